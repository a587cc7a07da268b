/**
 * Starting Convoy's own processes and threads (head, workers, actor and GPU processes, pool threads) from
 * either form Convoy runs in: the TypeScript sources (a clone of the repository: tests, `npm start`, `npx tsx`),
 * where each one needs the tsx loader, or the compiled JavaScript in the npm package's `dist/`, which plain
 * `node` runs. Call sites name Convoy's modules by their source `.ts` path; the functions here turn that into
 * the file and flags of the form that is running. The user's task modules are TypeScript in both forms: see
 * `enableUserTypeScript` in worker/runtime/load-function.ts.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** True when this copy of Convoy is the compiled JavaScript (`dist/`), false when it runs from its sources. */
export const RUNS_COMPILED = import.meta.url.endsWith('.js');

/**
 * The export condition under which `import 'convoy'` resolves to the TypeScript sources (package.json
 * `exports`). Processes started from the sources carry it, so a job driver or task module that imports
 * `convoy` by name shares the runtime's own modules (one `currentTaskId` store, one set of error classes)
 * instead of loading a second copy from a build that may be stale or missing.
 */
export const SOURCES_CONDITION = 'convoy-sources';

let loader: string | undefined;

/**
 * The `file:` URL of the loader TypeScript runs with: tsx from Convoy's own install (not the caller's cwd),
 * behind hooks that give `.ts` files Node's format rules (tsx-loader.mjs).
 */
export function tsxLoaderUrl(): string {
  loader ??= new URL('./tsx-loader.mjs', import.meta.url).href;
  return loader;
}

/**
 * Convoy's own module, named by its source path relative to `base` (the caller's `import.meta.url`): the
 * `.ts` file itself from the sources, its compiled `.js` from the package.
 */
export function ownModule(sourcePath: string | URL, base?: string | URL): URL {
  const url = new URL(sourcePath, base);
  if (RUNS_COMPILED) url.pathname = url.pathname.replace(/\.ts$/, '.js');
  return url;
}

/**
 * The Node flags a process or thread that runs Convoy's own modules needs: none for compiled code, the tsx
 * loader and the sources condition from the sources.
 */
export function ownExecArgv(): string[] {
  return RUNS_COMPILED ? [] : ['--import', tsxLoaderUrl(), `--conditions=${SOURCES_CONDITION}`];
}

/**
 * Where a worker thread running Convoy's module `sourcePath` starts: that module compiled, or from the sources
 * a `.mjs` boot file beside it that registers tsx first (Node 20 does not carry the parent's `--import` loader
 * into worker threads).
 */
export function threadEntry(sourcePath: string, bootFile: string, base: string | URL): URL {
  return RUNS_COMPILED ? ownModule(sourcePath, base) : new URL(bootFile, base);
}

/**
 * NODE_OPTIONS for a job's driver, the user's own program (`node driver.ts`): the tsx loader so TypeScript
 * runs as it does for the user locally, plus, from the sources, the sources condition.
 */
export function driverNodeOptions(inherited = process.env.NODE_OPTIONS ?? ''): string {
  const own = RUNS_COMPILED ? '' : ` --conditions=${SOURCES_CONDITION}`;
  return `${inherited} --import ${tsxLoaderUrl()}${own}`.trim();
}

/** Convoy's install root (where its package.json is), for linking `node_modules/convoy` into job directories. */
export function convoyRoot(): string {
  // This file is cluster/common/spawn.ts in the sources, dist/cluster/common/spawn.js in the package.
  return fileURLToPath(new URL(RUNS_COMPILED ? '../../../' : '../../', import.meta.url));
}

/**
 * Starts Convoy's entry module `entry` (its source `.ts` URL) as a Node process. `--expose-gc`: a pool thread
 * that read a large object collects once its batch is done, so the store learns the memory is free while
 * reusing it still saves something (objects/memory-loans.ts).
 */
export function spawnTs(entry: URL, args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, ['--expose-gc', ...ownExecArgv(), fileURLToPath(ownModule(entry)), ...args], opts);
}
