/**
 * Retries: when to try again and how long to wait. Used by task retries in the client and by transport
 * reconnects, so both back off the same way (BullMQ keeps backoffs as data plus one function; so do we).
 */
export interface BackoffPolicy {
  /** Delay before the first retry. @default 100 */
  readonly initialMs: number;
  /** Growth per attempt. @default 2 */
  readonly multiplier: number;
  /** Upper bound for one delay. @default 10_000 */
  readonly maxMs: number;
  /** Fraction of the delay that is randomised (0 = none, 1 = "full jitter"). @default 0.2 */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, multiplier: 2, maxMs: 10_000, jitter: 0.2 };

/** Delay before retry number `attempt` (1 for the first retry). `random` is in [0, 1): pass Math.random(). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random = 0.5): number {
  if (!(attempt >= 1)) throw new RangeError(`attempt must be ≥ 1, got ${attempt}`);
  const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** (attempt - 1));
  const spread = base * policy.jitter;
  return Math.max(0, Math.round(base - spread + 2 * spread * random));
}

/** Why the last attempt failed. `system` = the executor or its node died; `application` = the task threw. */
export type FailureKind = 'system' | 'application' | 'timeout' | 'cancelled';

export interface RetryInput {
  readonly kind: FailureKind;
  /** Attempts made so far, the failed one included (1 after the first failure). */
  readonly attempts: number;
  /** Retries allowed after system failures. */
  readonly maxRetries: number;
  /** Also retry when the task throws: `true` for any error, or a list of error names. @default false */
  readonly retryExceptions: boolean | readonly string[];
  readonly errorName?: string;
}

export type RetryDecision = { readonly retry: true } | { readonly retry: false; readonly reason: string };

export function retryDecision(input: RetryInput): RetryDecision {
  if (input.kind === 'cancelled') return { retry: false, reason: 'cancelled' };
  if (input.attempts > input.maxRetries) {
    return { retry: false, reason: `gave up after ${input.attempts} attempt(s) (maxRetries: ${input.maxRetries})` };
  }
  if (input.kind === 'system') return { retry: true };
  const re = input.retryExceptions;
  const wanted = re === true || (Array.isArray(re) && input.errorName !== undefined && re.includes(input.errorName));
  return wanted ? { retry: true } : { retry: false, reason: `${input.kind} failures are not retried` };
}
