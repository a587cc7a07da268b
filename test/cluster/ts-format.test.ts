/**
 * The format Convoy's TypeScript loader gives `.ts` files (cluster/common/tsx-loader.mjs): Node's rules, as for
 * `.js` — the package's `"type"` when it declares one, otherwise ES module when the file has module syntax.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tsxLoaderUrl } from '../../cluster/common/spawn.ts';

const run = promisify(execFile);

/** Runs `main.ts` from a new folder holding `files`, through the loader; returns what it printed or its error. */
async function runIn(files: Record<string, string>): Promise<{ ok: boolean; out: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-tsfmt-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return run(process.execPath, ['--import', tsxLoaderUrl(), 'main.ts'], { cwd: dir, timeout: 60_000 }).then(
    (r) => ({ ok: true, out: r.stdout.trim() }),
    (e: { stderr: string }) => ({ ok: false, out: e.stderr }),
  );
}

const esm = "import { sep } from 'node:path';\nconst n: number = await Promise.resolve(2);\nconsole.log('esm', n, sep, import.meta.url.endsWith('main.ts'));\n";

describe('TypeScript module format', () => {
  it('runs top-level await in a folder without package.json, and in a package.json without "type"', async () => {
    expect(await runIn({ 'main.ts': esm })).toEqual({ ok: true, out: 'esm 2 / true' });
    expect(await runIn({ 'main.ts': esm, 'package.json': JSON.stringify({ name: 'job', dependencies: {} }) })).toEqual({ ok: true, out: 'esm 2 / true' });
    // A module it imports is detected on its own.
    const lib = { 'main.ts': "import { twice } from './lib/twice.ts';\nconsole.log('lib', await twice(4));\n", 'lib/twice.ts': 'export async function twice(x: number) { return 2 * x; }\n' };
    expect(await runIn(lib)).toEqual({ ok: true, out: 'lib 8' });
  });

  it('keeps CommonJS TypeScript CommonJS, type-only imports included, and honours a declared "type"', async () => {
    const cjs = "const fs = require('node:fs');\nconsole.log('cjs', typeof fs.readFileSync, typeof __dirname);\nmodule.exports = {};\n";
    expect(await runIn({ 'main.ts': cjs })).toEqual({ ok: true, out: 'cjs function string' });
    expect(await runIn({ 'main.ts': `import type { Stats } from 'node:fs';\nconst s: Stats | undefined = undefined;\n${cjs}` })).toEqual({
      ok: true,
      out: 'cjs function string',
    });
    // "type": "commonjs" is the user's word, as it is to Node: top-level await stays an error there.
    const declared = await runIn({ 'main.ts': esm, 'package.json': JSON.stringify({ type: 'commonjs' }) });
    expect(declared.ok).toBe(false);
    expect(declared.out).toMatch(/Top-level await is currently not supported with the "cjs" output format/);
  });
});
