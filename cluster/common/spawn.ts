/**
 * Starting Convoy's own processes (head, workers, actor processes): Node with the tsx loader, so TypeScript
 * entry points and the user's TypeScript task modules load without a build step.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let loader: string | undefined;

/**
 * The `file:` URL of the loader TypeScript runs with: tsx from Convoy's own install (not the caller's cwd),
 * behind hooks that give `.ts` files Node's format rules (tsx-loader.mjs).
 */
export function tsxLoaderUrl(): string {
  loader ??= new URL('./tsx-loader.mjs', import.meta.url).href;
  return loader;
}

/** Convoy's install root, for linking `node_modules/convoy` into uploaded job directories. */
export function convoyRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/**
 * `--expose-gc`: a pool thread that read a large object collects once its batch is done, so the store learns
 * the memory is free while reusing it still saves something (common/leased-memory.ts).
 */
export function spawnTs(entry: URL, args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, ['--expose-gc', '--import', tsxLoaderUrl(), fileURLToPath(entry), ...args], opts);
}
