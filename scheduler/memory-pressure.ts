/**
 * Memory pressure: when a node's memory use passes its threshold, which running task to stop so the node
 * lives. Ray's policy (its memory monitor's "retriable LIFO" killer): prefer a task that will be retried, and
 * of those the newest, since it has the least work to lose and the oldest tasks are the likeliest to finish
 * and free their memory. A task that cannot be stopped without stopping others (it shares a thread) is never
 * chosen; when only such tasks run, nothing is killed and the node rides the pressure out.
 */

/** A running task as the memory monitor sees it. */
export interface RunningTask {
  readonly taskId: string;
  /** When it started running, in any monotonic unit (ms since the epoch, a counter): only the order matters. */
  readonly startedAt: number;
  /** A stop counts as a system failure the owner retries (so killing it loses no result). */
  readonly retryable: boolean;
  /** It can be stopped on its own (it runs alone on a thread or process that stopping it may end). */
  readonly killable: boolean;
}

/** Fraction of a node's memory in use, in [0, 1]: `1 - available / total`. Zero when `total` is not positive. */
export function memoryUsageFraction(availableBytes: number, totalBytes: number): number {
  if (!(totalBytes > 0)) return 0;
  const used = 1 - Math.max(0, availableBytes) / totalBytes;
  return Math.min(1, Math.max(0, used));
}

/** True when `usage` passes `threshold` (both fractions). A threshold of 1 or more turns the monitor off. */
export function isOverThreshold(usage: number, threshold: number): boolean {
  return threshold < 1 && usage > threshold;
}

/**
 * The task to stop under memory pressure, or undefined when none can be: killable tasks only; retryable
 * before non-retryable; among those the most recently started; ties broken by the greater task id, so the
 * choice never depends on the order of `running`.
 */
export function chooseTaskToKill<T extends RunningTask>(running: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const t of running) {
    if (!t.killable) continue;
    if (!best || ranksAbove(t, best)) best = t;
  }
  return best;
}

function ranksAbove(a: RunningTask, b: RunningTask): boolean {
  if (a.retryable !== b.retryable) return a.retryable;
  if (a.startedAt !== b.startedAt) return a.startedAt > b.startedAt;
  return a.taskId > b.taskId;
}

/** Validates a threshold given by a flag or env var: a fraction in (0, 1]. */
export function parseMemoryUsageThreshold(text: string, source: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0 || v > 1) {
    throw new RangeError(`${source} must be a fraction of the node's memory in (0, 1], e.g. 0.95; got '${text}'`);
  }
  return v;
}
