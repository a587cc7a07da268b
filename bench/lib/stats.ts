/**
 * Numbers for benchmarks: repeated measurements reduced to a median (the machine is shared and noisy, so one
 * run says little), rates, and ratios rounded for printing.
 */

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of an empty list: measure at least once (reps >= 1)');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Items per second for `count` items done in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  if (!(ms > 0)) throw new RangeError(`cannot make a rate from a duration of ${ms} ms`);
  return count / (ms / 1000);
}

/** `a / b` rounded to `digits` decimals; undefined when either side is missing or `b` is zero. */
export function ratio(a: number | undefined, b: number | undefined, digits = 2): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
  return round(a / b, digits);
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A measurement taken several times: every run, and their median. */
export interface Repeated {
  readonly runs: readonly number[];
  readonly median: number;
}

export function summarize(runs: readonly number[]): Repeated {
  return { runs: [...runs], median: median(runs) };
}

/** Runs `measure` `times` times, one after another, and keeps every value. */
export async function repeat(times: number, measure: (rep: number) => Promise<number>): Promise<Repeated> {
  if (!Number.isInteger(times) || times < 1) throw new RangeError(`repeat count must be a positive integer, got ${times}`);
  const runs: number[] = [];
  for (let rep = 0; rep < times; rep++) runs.push(await measure(rep));
  return summarize(runs);
}

/** Times one async call, in milliseconds. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
