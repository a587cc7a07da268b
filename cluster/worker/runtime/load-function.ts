/**
 * Loads a task function or actor class by module URL and export name, once per thread or process
 * (piscina's `getHandler` does the same): the module cache keeps every later call to a cheap map lookup.
 */
import { TaskLoadError } from '../../common/errors.ts';
import { RUNS_COMPILED } from '../../common/spawn.ts';

let userTypeScript: Promise<void> | undefined;

/**
 * Lets the user's task modules be TypeScript. From the sources tsx is already registered (Convoy's own code
 * needs it). Compiled Convoy runs on plain Node, so tsx is registered here, in the thread or process that
 * loads task code, just before the first task module: the runtime's own modules are loaded by then, plain
 * Node loaded them, and a thread or process that runs no task never starts tsx.
 */
function enableUserTypeScript(): Promise<void> {
  userTypeScript ??= RUNS_COMPILED ? import('tsx/esm/api').then(({ register }) => void register()) : Promise.resolve();
  return userTypeScript;
}

const modules = new Map<string, Promise<Record<string, unknown>>>();
const exports = new Map<string, unknown>();

export async function loadExport(moduleUrl: string, exportName: string): Promise<unknown> {
  const key = `${moduleUrl}#${exportName}`;
  const hit = exports.get(key);
  if (hit !== undefined) return hit;
  let mod = modules.get(moduleUrl);
  if (!mod) {
    mod = enableUserTypeScript().then(() => import(moduleUrl) as Promise<Record<string, unknown>>);
    modules.set(moduleUrl, mod);
    // A failed import must not be cached forever: the file may be fixed or uploaded later.
    mod.catch(() => modules.delete(moduleUrl));
  }
  let m: Record<string, unknown>;
  try {
    m = await mod;
  } catch (err) {
    throw new TaskLoadError(`cannot import task module ${moduleUrl}: ${(err as Error).message}`, { cause: err });
  }
  const value = m[exportName];
  if (value === undefined) {
    const names = Object.keys(m).filter((k) => k !== '__esModule');
    throw new TaskLoadError(
      `module ${moduleUrl} has no export named "${exportName}" (it exports: ${names.join(', ') || 'nothing'})`,
    );
  }
  exports.set(key, value);
  return value;
}

export async function loadFunction(moduleUrl: string, exportName: string): Promise<(...args: unknown[]) => unknown> {
  const fn = await loadExport(moduleUrl, exportName);
  if (typeof fn !== 'function') {
    throw new TaskLoadError(`export "${exportName}" of ${moduleUrl} is a ${typeof fn}, not a function`);
  }
  return fn as (...args: unknown[]) => unknown;
}
