/**
 * Retry delays: data plus one function, like the cluster's retry policy.
 *
 * Full jitter (a uniform draw in [0, min(max, base·2^attempt)]) spreads retries from many workers hitting
 * the same provider so they do not come back in lockstep.
 */
export interface HttpBackoffPolicy {
  /** @default 500 */
  baseMs: number;
  /** @default 30000 */
  maxMs: number;
  /** Attempts after the first. @default 4 */
  retries: number;
}

export const DEFAULT_HTTP_BACKOFF: Readonly<HttpBackoffPolicy> = { baseMs: 500, maxMs: 30_000, retries: 4 };

export function backoffDelayMs(attempt: number, policy: HttpBackoffPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.round(random() * cap);
}

/** Retry-After as ms: delta-seconds or an HTTP date; `undefined` when absent or unparsable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
