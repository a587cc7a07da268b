/**
 * The npm package as a user gets it: `npm pack` (which builds dist/ through `prepare`), the tarball installed
 * with npm into an empty folder, then plain `node` (no tsx, no flags) running a driver that imports `convoy`
 * and runs TypeScript tasks and actors on an embedded cluster, `npx convoy --version`, and a consumer's
 * `tsc` with `skipLibCheck: false`.
 *
 * Offline: npm resolves a tarball's dependencies from the registry's metadata, which `npm ci` does not leave
 * in the cache. So the consumer folder gets Convoy's declared dependencies (and nothing else) as links to this
 * checkout's installed copies first; `npm install --offline` then finds them satisfied and installs only the
 * tarball, with its bin link, as it would from the registry. Install scripts are skipped: the links are
 * already built, and the tarball has none.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};
/** The package's subpaths (`convoy`, `convoy/tasks`, …) from its exports, so a new entry is tested too. */
const ENTRIES = Object.entries(PKG.exports)
  .filter(([, target]) => typeof target === 'object')
  .map(([subpath, target]) => ({ name: PKG.name + subpath.slice(1), ...(target as { types: string; default: string }) }));

/** The environment of a user's shell: none of this test runner's loaders or Convoy variables. */
function userEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CONVOY_HOME: home, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
  for (const name of Object.keys(env)) if (name.startsWith('CONVOY_') && name !== 'CONVOY_HOME') delete env[name];
  delete env.NODE_OPTIONS;
  return env;
}

let dir: string;
let env: NodeJS.ProcessEnv;
let packed: { filename: string; entryCount: number; size: number; files: { path: string }[] };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-pack-'));
  env = userEnv(path.join(dir, 'convoy-home'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, env, timeout: 240_000, maxBuffer: 64 << 20 });
  // `prepare` (the build) prints to stdout before npm's JSON.
  packed = (JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as (typeof packed)[])[0]!;

  const consumer = path.join(dir, 'app');
  await mkdir(path.join(consumer, 'node_modules', '@types'), { recursive: true });
  // The consumer's own type packages, as a TypeScript project lists them.
  const typesNode = path.join(ROOT, 'node_modules', '@types', 'node');
  const devDependencies = { '@types/node': JSON.parse(readFileSync(path.join(typesNode, 'package.json'), 'utf8')).version as string };
  await writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', devDependencies }));
  await symlink(typesNode, path.join(consumer, 'node_modules', '@types', 'node'), 'dir');
  const declared = [...Object.keys(PKG.dependencies), ...Object.keys(PKG.optionalDependencies ?? {})];
  for (const dep of declared) {
    const installed = path.join(ROOT, 'node_modules', dep);
    if (!existsSync(installed)) {
      if (dep in (PKG.optionalDependencies ?? {})) continue;
      throw new Error(`dependency ${dep} is not installed in ${ROOT}: run npm ci there first`);
    }
    await mkdir(path.dirname(path.join(consumer, 'node_modules', dep)), { recursive: true });
    await symlink(installed, path.join(consumer, 'node_modules', dep), 'dir');
  }
  await run('npm', ['install', '--offline', '--ignore-scripts', '--no-save', path.join(dir, packed.filename)], { cwd: consumer, env, timeout: 240_000 });
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('ships compiled JavaScript, declarations, the CLI and the runtime assets, and no sources or tests', () => {
    const files = packed.files.map((f) => f.path);
    expect(files.filter((f) => !/^(dist\/|bin\/convoy\.mjs$|package\.json$|README\.md$|LICENSE)/.test(f))).toEqual([]);
    expect(files.filter((f) => /\.[cm]?ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    // The thread boot files register tsx for the sources; compiled threads start from their own module.
    expect(files.filter((f) => f.endsWith('-boot.mjs'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['dist/cluster/proto/head.proto', 'dist/cluster/proto/worker.proto', 'dist/cluster/proto/common.proto']));
    // The head reads its dashboard's files at start.
    const dashboard = ['index.html', 'dashboard.js', 'dashboard.css'].map((f) => `dist/cluster/head/http/dashboard/${f}`);
    expect(files).toEqual(expect.arrayContaining(dashboard));
    for (const entry of ENTRIES) {
      expect(files, entry.name).toContain(entry.types.slice(2));
      expect(files, entry.name).toContain(entry.default.slice(2));
    }
  });

  it('runs TypeScript tasks and actors on an embedded cluster from a driver under plain node', { timeout: 240_000 }, async () => {
    const app = path.join(dir, 'app');
    // An enum: TypeScript that Node's own type stripping refuses, so this loads only through tsx.
    await writeFile(
      path.join(app, 'work.ts'),
      `import { readFileSync } from 'node:fs';
enum Power { Square = 2 }
/** The command line of the process this runs in: the worker node's, or a GPU trainer's or actor's own. */
const commandLine = (): string[] => readFileSync('/proc/self/cmdline', 'utf8').split('\\0').filter(Boolean);
export function square(x: number): { value: number; commandLine: string[] } {
  return { value: x ** Power.Square, commandLine: commandLine() };
}
export class Tally {
  total = 0;
  add(n: number): { total: number; commandLine: string[] } {
    this.total += n;
    return { total: this.total, commandLine: commandLine() };
  }
}
`,
    );
    await writeFile(
      path.join(app, 'driver.mjs'),
      `import { connect, TaskError } from 'convoy';
const entries = {};
for (const name of ${JSON.stringify(ENTRIES.map((e) => e.name))}) entries[name] = Object.keys(await import(name)).length;
// One worker with a declared GPU: a gpu task runs in the GPU's trainer process, the rest in the pool.
const cluster = await connect({ workers: 1, cpusPerWorker: 2, gpusPerWorker: 1 });
const work = new URL('./work.ts', import.meta.url);
const square = cluster.task(work, 'square');
const squares = await cluster.get([1, 2, 3].map((x) => square.remote(x)));
const onGpu = await cluster.get(cluster.task(work, 'square', { gpu: 1, cpu: 0 }).remote(4));
const tally = cluster.actor(work, 'Tally').remote();
await cluster.get(tally.call('add', 4));
const actor = await cluster.get(tally.call('add', 5));
const isolated = cluster.actor(work, 'Tally', { isolation: 'process', cpu: 0 }).remote();
const actorProcess = await cluster.get(isolated.call('add', 1));
await cluster.close();
console.log(JSON.stringify({ entries, taskError: typeof TaskError, squares, onGpu, actor, actorProcess }));
`,
    );
    const { stdout } = await run(process.execPath, ['driver.mjs'], { cwd: app, env, timeout: 200_000 });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      entries: Record<string, number>;
      taskError: string;
      squares: { value: number; commandLine: string[] }[];
      onGpu: { value: number; commandLine: string[] };
      actor: { total: number; commandLine: string[] };
      actorProcess: { total: number; commandLine: string[] };
    };
    for (const entry of ENTRIES) expect(out.entries[entry.name], entry.name).toBeGreaterThan(0);
    expect(out.taskError).toBe('function');
    expect(out.squares.map((s) => s.value)).toEqual([1, 4, 9]);
    expect(out.onGpu.value).toBe(16);
    expect(out.actor.total).toBe(9);
    expect(out.actorProcess.total).toBe(1);
    // Each process runs the installed package's compiled module on plain node: no TypeScript loader, no
    // condition for the sources. (Threads start from compiled modules too: the package has no boot files.)
    const compiled = (...p: string[]) => path.join(app, 'node_modules', 'convoy', 'dist', 'cluster', 'worker', ...p);
    for (const { commandLine } of [...out.squares, out.actor]) {
      expect(commandLine.slice(0, 3)).toEqual([process.execPath, '--expose-gc', compiled('main.js')]);
    }
    expect(out.onGpu.commandLine.slice(0, 2)).toEqual([process.execPath, compiled('gpu', 'trainer-process.js')]);
    expect(out.actorProcess.commandLine.slice(0, 2)).toEqual([process.execPath, compiled('actors', 'actor-process.js')]);
  });

  it('installs the convoy command', { timeout: 120_000 }, async () => {
    const { stdout } = await run('npx', ['convoy', '--version'], { cwd: path.join(dir, 'app'), env, timeout: 60_000 });
    expect(stdout.trim()).toBe(PKG.version);
  });

  it("type-checks a consumer against the declarations only, with skipLibCheck: false", { timeout: 240_000 }, async () => {
    const app = path.join(dir, 'app');
    await writeFile(
      path.join(app, 'consumer.ts'),
      `import { connect, TaskError, type Cluster, type ObjectRef } from 'convoy';
export async function squares(xs: number[]): Promise<number[]> {
  await using cluster: Cluster = await connect();
  const square = cluster.task<(x: number) => number>(new URL('./work.ts', import.meta.url), 'square', { cpu: 1 });
  const refs: ObjectRef<number>[] = xs.map((x) => square.remote(x));
  try {
    return await cluster.get(refs);
  } catch (err) {
    if (err instanceof TaskError) throw new Error(\`a square failed: \${err.message}\`);
    throw err;
  }
}
`,
    );
    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2023', lib: ['ES2023', 'ESNext.Disposable'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['consumer.ts'],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    const checked = await run(tsc, ['-p', 'tsconfig.json', '--listFiles'], { cwd: app, env, timeout: 200_000, maxBuffer: 64 << 20 }).catch(
      (e: { stdout: string }) => {
        throw new Error(`consumer type check failed:\n${e.stdout}`);
      },
    );
    const read = checked.stdout.split('\n').filter(Boolean);
    expect(read).toContain(path.join(app, 'node_modules', 'convoy', 'dist', 'cluster', 'client', 'index.d.ts'));
    // The consumer's own file is the only TypeScript source the compiler read: Convoy's are not in the package.
    expect(read.filter((f) => /\.[cm]?tsx?$/.test(f) && !/\.d\.[cm]?ts$/.test(f))).toEqual([path.join(app, 'consumer.ts')]);
  });
});
