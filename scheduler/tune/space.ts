/**
 * Search spaces for tune: grid and random domains, and their expansion into trial configs.
 *
 * Semantics follow Ray Tune's `tune.grid_search` / `tune.choice` / `tune.uniform` …: every combination of the
 * grid entries is one variant; `numSamples` repeats the whole grid; random domains are drawn afresh for each
 * trial. Plain values are constants and nested plain objects are searched recursively, so
 * `{ lr: grid([1e-3, 1e-2]), model: { hidden: grid([[32], [64, 64]]) } }` gives four configs.
 *
 * Pure: randomness comes in as a `random()` function (seed it for reproducible searches).
 */
import { SearchSpaceError } from './errors.ts';

export type Domain =
  | { readonly kind: 'grid'; readonly values: readonly unknown[] }
  | { readonly kind: 'choice'; readonly values: readonly unknown[] }
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'loguniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'randint'; readonly low: number; readonly high: number };

const DOMAIN = Symbol.for('convoy.tune.domain');
type Tagged<D extends Domain> = D & { readonly [DOMAIN]: true };
const tag = <D extends Domain>(d: D): Tagged<D> => Object.freeze({ ...d, [DOMAIN]: true }) as unknown as Tagged<D>;

/** Every value becomes its own variant. */
export const grid = <T>(values: readonly T[]) => tag({ kind: 'grid', values });
/** One value drawn uniformly per trial. */
export const choice = <T>(values: readonly T[]) => tag({ kind: 'choice', values });
/** A float drawn uniformly from [low, high). */
export const uniform = (low: number, high: number) => tag({ kind: 'uniform', low, high });
/** A float whose logarithm is uniform on [log low, log high): learning rates. */
export const loguniform = (low: number, high: number) => tag({ kind: 'loguniform', low, high });
/** An integer drawn uniformly from [low, high). */
export const randint = (low: number, high: number) => tag({ kind: 'randint', low, high });

export function isDomain(v: unknown): v is Domain {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[DOMAIN] === true;
}

/** A space: keys map to domains, constants, or nested spaces. */
export type SearchSpace = { readonly [key: string]: unknown };
export type TrialConfig = Record<string, unknown>;

export interface ExpandOptions {
  /** Repetitions of the grid (each with fresh random draws). @default 1 */
  numSamples?: number;
  /** Uniform [0, 1) source; required when the space has random domains. */
  random?: () => number;
}

interface Leaf {
  path: string[];
  value: unknown;
}

function leaves(space: SearchSpace, prefix: string[] = []): Leaf[] {
  const out: Leaf[] = [];
  for (const [key, value] of Object.entries(space)) {
    const path = [...prefix, key];
    if (!isDomain(value) && isPlainObject(value)) out.push(...leaves(value as SearchSpace, path));
    else out.push({ path, value });
  }
  return out;
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function check(leaf: Leaf): void {
  const d = leaf.value;
  if (!isDomain(d)) return;
  const path = leaf.path.join('.');
  if ((d.kind === 'grid' || d.kind === 'choice') && d.values.length === 0) {
    throw new SearchSpaceError(path, `is an empty ${d.kind}; give it at least one value`);
  }
  if (d.kind === 'uniform' || d.kind === 'loguniform' || d.kind === 'randint') {
    if (!Number.isFinite(d.low) || !Number.isFinite(d.high) || !(d.low < d.high)) {
      throw new SearchSpaceError(path, `needs finite low < high, got [${d.low}, ${d.high})`);
    }
    if (d.kind === 'loguniform' && d.low <= 0) throw new SearchSpaceError(path, `needs low > 0 for a log scale`);
    if (d.kind === 'randint' && (!Number.isInteger(d.low) || !Number.isInteger(d.high))) {
      throw new SearchSpaceError(path, `needs integer bounds, got [${d.low}, ${d.high})`);
    }
  }
}

function sample(d: Domain, random: () => number): unknown {
  switch (d.kind) {
    case 'choice':
      return d.values[Math.min(d.values.length - 1, Math.floor(random() * d.values.length))];
    case 'uniform':
      return d.low + (d.high - d.low) * random();
    case 'loguniform':
      return Math.exp(Math.log(d.low) + (Math.log(d.high) - Math.log(d.low)) * random());
    case 'randint':
      return Math.min(d.high - 1, d.low + Math.floor((d.high - d.low) * random()));
    case 'grid':
      throw new Error('unreachable: grid values are enumerated, not sampled');
  }
}

function setPath(target: TrialConfig, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as TrialConfig;
  node[path.at(-1)!] = value;
}

/** Number of trials `expandSpace` will produce, without drawing anything. */
export function countTrials(space: SearchSpace, numSamples = 1): number {
  const all = leaves(space);
  all.forEach(check);
  return all.reduce((n, l) => n * (isDomain(l.value) && l.value.kind === 'grid' ? l.value.values.length : 1), numSamples);
}

/**
 * All trial configs, in a stable order: samples outermost, then the grid with the last grid key varying
 * fastest (so `{a: grid([1,2]), b: grid([x,y,z])}` gives a1b x, a1b y, a1b z, a2b x, …).
 */
export function expandSpace(space: SearchSpace, options: ExpandOptions = {}): TrialConfig[] {
  const numSamples = options.numSamples ?? 1;
  if (!Number.isInteger(numSamples) || numSamples < 1) {
    throw new SearchSpaceError('(numSamples)', `must be a positive integer, got ${numSamples}`);
  }
  const all = leaves(space);
  all.forEach(check);
  const grids = all.filter((l) => isDomain(l.value) && l.value.kind === 'grid');
  const needsRandom = all.some((l) => isDomain(l.value) && l.value.kind !== 'grid');
  if (needsRandom && !options.random) {
    throw new SearchSpaceError('(random)', 'is required: the space has random domains; pass a seeded random()');
  }
  const combos: unknown[][] = [[]];
  for (const g of grids) {
    const values = (g.value as Extract<Domain, { kind: 'grid' }>).values;
    const next: unknown[][] = [];
    for (const combo of combos) for (const v of values) next.push([...combo, v]);
    combos.splice(0, combos.length, ...next);
  }
  const configs: TrialConfig[] = [];
  for (let s = 0; s < numSamples; s++) {
    for (const combo of combos) {
      const config: TrialConfig = {};
      let gi = 0;
      for (const leaf of all) {
        const d = leaf.value;
        let value: unknown;
        // Clone so no two trials share an object a trainable might mutate.
        if (isDomain(d)) value = structuredClone(d.kind === 'grid' ? combo[gi++] : sample(d, options.random!));
        else value = structuredClone(d);
        setPath(config, leaf.path, value);
      }
      configs.push(config);
    }
  }
  return configs;
}
