/**
 * A Node 20 module hook that runs the project's TypeScript sources in a child process without a
 * build: `node --import ./test/support/ts-loader.mjs some-script.ts`. Each `.ts` file is
 * transpiled on load with the project's own `typescript` (types are not checked — tsc does that),
 * and a relative or absolute `x.js` import falls back to `x.ts`, as the sources are written for NodeNext.
 * Vitest transpiles for the test process itself; only spawned children need this.
 */
import { isMainThread } from 'node:worker_threads';
import { register } from 'node:module';
import { readFile } from 'node:fs/promises';

if (isMainThread) register(import.meta.url);

let ts;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && /^(\.\.?\/|\/|file:)/.test(specifier) && specifier.endsWith('.js')) {
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    }
    throw err;
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  ts ??= (await import('typescript')).default;
  const source = await readFile(new URL(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
