/**
 * The layer table of DESIGN.md is lint (tools/lint/eslint.config.mjs): these tests give the linter code that
 * breaks a layer, or forms a cycle through type-only imports, and expect it refused. `npm test` runs
 * `npm run lint` first, which installs tools/lint's own packages.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lintModules = path.join(root, 'tools/lint/node_modules');

interface LintMessage { ruleId: string | null; message: string }
type LintText = (code: string, filePath: string) => Promise<LintMessage[]>;
let lintText: LintText;

beforeAll(async () => {
  // tools/lint is its own package; install it when this file runs without `npm run lint` before it (fresh: no-op).
  const ensure = spawnSync(process.execPath, [path.join(root, 'infra/scripts/ensure-deps.mjs'), '--dir', path.join(root, 'tools/lint')], { encoding: 'utf8' });
  if (ensure.status !== 0) throw new Error(`could not install tools/lint: ${ensure.stderr}`);
  // tools/lint's own eslint (not a dependency of the root package, so typed here by the little this file uses).
  type ESLintClass = new (options: { cwd: string; overrideConfigFile: string }) => {
    lintText(code: string, options: { filePath: string }): Promise<{ messages: LintMessage[] }[]>;
  };
  const { ESLint } = (await import(pathToFileURL(path.join(lintModules, 'eslint/lib/api.js')).href)) as { ESLint: ESLintClass };
  const eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'eslint.config.mjs') });
  lintText = async (code, file) => (await eslint.lintText(code, { filePath: path.join(root, file) }))[0]!.messages;
}, 120_000);

/** The layer-rule refusals for `code` placed at `file`. */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const messages = await lintText(code, file);
  return messages.filter((m) => m.ruleId === 'import-x/no-restricted-paths').map((m) => m.message);
}

describe('the layer rules', () => {
  it('refuse the runtime importing the workloads', async () => {
    const errors = await layerErrors('cluster/worker/probe.ts', "export { SOURCE_NAMES } from '../../tasks/index.ts';\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/cluster\/ \(the runtime\) never imports tasks\//);
  });

  it('refuse the scheduler importing anything of ours', async () => {
    const errors = await layerErrors('scheduler/probe.ts', "export { connect } from '../cluster/client/index.ts';\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/scheduler\/ holds pure decisions/);
  });

  it('refuse the storage layer importing the runtime above it', async () => {
    const errors = await layerErrors('cluster/storage/probe.ts', "export { ConvoyError } from '../common/errors.ts';\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/bottom layer/);
  });

  it("refuse the workloads reaching past the cluster's public entries, and allow the entries", async () => {
    const deep = await layerErrors('tasks/probe.ts', "export { ObjectStore } from '../cluster/objects/object-store.ts';\n");
    expect(deep).toHaveLength(1);
    expect(deep[0]).toMatch(/public entries only/);
    expect(await layerErrors('tasks/probe.ts', "export { connect } from '../cluster/client/index.ts';\n")).toEqual([]);
  });

  it("refuse one process importing another's internals", async () => {
    const errors = await layerErrors('cluster/client/probe.ts', "export * from '../head/head-server.ts';\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/the client does not import the head/);
  });
});

describe('the cycle rule', () => {
  it('refuses two modules that import each other through types only', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-cycle-'));
    await writeFile(path.join(dir, 'a.ts'), "import type { B } from './b.ts';\nexport interface A { b?: B }\n");
    await writeFile(path.join(dir, 'b.ts'), "import type { A } from './a.ts';\nexport interface B { a?: A }\n");
    const cruise = (target: string) =>
      spawnSync(process.execPath, [path.join(lintModules, 'dependency-cruiser/bin/dependency-cruise.mjs'), '--config', 'tools/lint/dependency-cruiser.cjs', target], { cwd: root, encoding: 'utf8' });
    const cyclic = cruise(dir);
    expect(cyclic.status).not.toBe(0);
    expect(cyclic.stdout).toMatch(/no-cycle: .*a\.ts/);
    await writeFile(path.join(dir, 'b.ts'), 'export interface B { name: string }\n');
    expect(cruise(dir).status).toBe(0);
  }, 120_000);
});
