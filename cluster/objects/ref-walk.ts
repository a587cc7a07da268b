/**
 * Finding ObjectRefs inside values. Refs are recognised by a marker field, so a ref still counts after it
 * crossed a thread or process as a plain object. Walks plain arrays and objects only (not typed arrays, Arrow
 * tables or class instances) and stops after a budget of nodes, so a huge value costs a bounded scan.
 */
export const REF_MARK = '__convoyObjectRef';

export interface RefLike {
  readonly id: string;
  readonly owner: string;
}

export function isRefLike(v: unknown): v is RefLike {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[REF_MARK] === true && typeof (v as RefLike).id === 'string';
}

export function isPlainContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  if (Array.isArray(v)) return true;
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Every ref in `value` (itself, or nested in plain containers up to `budget` nodes and depth 32). */
export function findRefs(value: unknown, budget = 100_000): { refs: RefLike[]; nested: boolean } {
  const refs: RefLike[] = [];
  let nested = false;
  let left = budget;
  const walk = (v: unknown, depth: number): void => {
    if (--left < 0 || depth > 32) return;
    if (isRefLike(v)) {
      refs.push(v);
      if (depth > 0) nested = true;
      return;
    }
    if (!isPlainContainer(v)) return;
    if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else for (const k in v) walk(v[k], depth + 1);
  };
  walk(value, 0);
  return { refs, nested };
}

/**
 * Refs that leave their owner inside a result or a stored value are "borrowed" by whoever reads it. Their owner
 * must keep them alive even after its own ObjectRef objects are collected; engines in this thread register a
 * hook here, and the code that encodes results reports the refs it finds.
 */
const escapeHooks = new Set<(ref: RefLike) => void>();

export function onRefEscape(hook: (ref: RefLike) => void): () => void {
  escapeHooks.add(hook);
  return () => escapeHooks.delete(hook);
}

export function noteEscapedRefs(value: unknown): void {
  if (escapeHooks.size === 0 || typeof value !== 'object' || value === null) return;
  for (const ref of findRefs(value, 10_000).refs) for (const hook of escapeHooks) hook(ref);
}
