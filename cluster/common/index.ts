/**
 * `convoy/common`: what programs built on Convoy share with its own commands: the one set of formatters for
 * bytes, counts, rates, durations and tables; the one zod-issue formatter; the error base class and
 * `registerError` (so a library's errors keep their class across a thread, process or gRPC hop); where the
 * cluster is (the way `connect()` finds it); and the seeded PRNG that random search and shuffles draw from.
 *
 * @example
 * ```ts
 * import { ConvoyError, registerError, formatBytes, formatCount, formatZodIssues } from 'convoy/common';
 *
 * export class SensorGapError extends ConvoyError {
 *   constructor(readonly sensor: string) { super(`sensor ${sensor} has a gap`); }
 * }
 * registerError(SensorGapError); // a task that throws it fails get() with a TaskError whose cause is a SensorGapError
 *
 * console.log(formatBytes(3 * 2 ** 30), formatCount(1234567)); // "3.0 GiB 1,234,567"
 * const r = schema.safeParse(input);
 * if (!r.success) throw new TypeError(formatZodIssues(r.error.issues, { root: '(options)' }).join('; '));
 * ```
 */
export { formatTable, formatBytes, formatCount, formatRate, formatDuration, formatEta, type CountFormat } from './format.ts';
export { formatZodIssues, type ZodIssueFormat, type ZodIssueLike } from './zod-issues.ts';
export { ConvoyError, registerError } from './errors.ts';
export { findCluster, type ClusterRequest, type ClusterTarget } from './cluster-target.ts';
export { mulberry32 } from '../../scheduler/random.ts';
