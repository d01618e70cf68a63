/**
 * The README keeps its promises in step with the code: every error code is documented, and the
 * commands it shows exist.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';

const readme = readFileSync('README.md', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };

describe('README', () => {
  it('documents every error code', () => {
    const missing = Object.values(ErrorCode).filter((code) => !readme.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('shows npm scripts that exist', () => {
    const used = [...readme.matchAll(/npm (?:run )?([a-z:]+)/g)].map((m) => m[1] as string).filter((s) => !['install', 'test', 'start'].includes(s));
    for (const script of used) expect(pkg.scripts, `npm run ${script}`).toHaveProperty(script);
    expect(pkg.scripts).toHaveProperty('start');
  });
});
