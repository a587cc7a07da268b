/**
 * Loads a task function or actor class by module URL and export name, once per thread or process
 * (piscina's `getHandler` does the same): the module cache keeps every later call to a cheap map lookup.
 */
import { TaskLoadError } from '../../common/errors.ts';

const modules = new Map<string, Promise<Record<string, unknown>>>();
const exports = new Map<string, unknown>();

export async function loadExport(moduleUrl: string, exportName: string): Promise<unknown> {
  const key = `${moduleUrl}#${exportName}`;
  const hit = exports.get(key);
  if (hit !== undefined) return hit;
  let mod = modules.get(moduleUrl);
  if (!mod) {
    mod = import(moduleUrl) as Promise<Record<string, unknown>>;
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
