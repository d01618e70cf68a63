/**
 * The installed command, run as a user runs it: the built `autoheal` binary (npm builds it on
 * install; `npm test` builds it before the suite) on a bundled example.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = 'dist/src/cli/main.js';

describe('autoheal binary', () => {
  it('dry-runs a bundled example and prints the expected match', async () => {
    expect(existsSync(BIN), `${BIN} missing: run npm run build`).toBe(true);
    const { stdout } = await run(process.execPath, [
      BIN,
      'test',
      'rulebooks/alertmanager-disk-full.yml',
      '--event',
      'examples/events/alertmanager-disk-full.json',
    ]);
    expect(stdout).toContain('MATCH    Disk space :: clean up a full filesystem');
  });

  it('exits 1 and names file:line:col for a broken rulebook', async () => {
    const failure = await run(process.execPath, [BIN, 'validate', 'test/fixtures/rulebooks/broken.yml']).catch((err: { code: number; stderr: string }) => err);
    expect('code' in failure ? failure.code : 0).toBe(1);
    expect('stderr' in failure ? failure.stderr : '').toMatch(/broken\.yml:9:7: /);
  });
});
