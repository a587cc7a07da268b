/**
 * One redial loop for every "the peer went away: connect again" path, after NATS's `dodialLoop`
 * (core/src/protocol.ts): wait a jittered backoff, try, and repeat until a try succeeds, the deadline or the
 * attempts run out, the caller gives up (`stopped()`), or an error comes back that no retry can fix (an
 * AuthError: the peer answered and refused our token, so the next try gets the same answer).
 *
 * The wait comes before each try, the first included: the peer has just dropped us, and an immediate try
 * mostly meets the same failure. The outcome says why the loop ended, with the last real error, so the caller
 * words the message (NATS throws the last error; here the callers also need "stopped" apart from "failed").
 */
import { backoffDelay, type BackoffPolicy } from '../../scheduler/retry.ts';

export interface RedialOptions<T> {
  /** One try; a rejection is retried unless `isFatal` says otherwise. */
  readonly dial: (attempt: number) => Promise<T>;
  readonly backoff: BackoffPolicy;
  /** Give up once this much time has passed since the loop began. @default Infinity */
  readonly timeoutMs?: number;
  /** Give up after this many tries. @default Infinity */
  readonly maxAttempts?: number;
  /** True for errors no retry can fix: the loop ends at once with them. @default () => false */
  readonly isFatal?: (err: unknown) => boolean;
  /** True once the caller no longer wants the connection (it closed meanwhile); checked around every wait. */
  readonly stopped?: () => boolean;
  /** Hears each failed try that will be retried (for debug logs). */
  readonly onRetry?: (err: unknown, attempt: number) => void;
  /** Clock and randomness, injected for tests (STYLE 7). */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type RedialOutcome<T> =
  | { readonly outcome: 'connected'; readonly value: T; readonly attempts: number }
  | { readonly outcome: 'fatal'; readonly error: unknown; readonly attempts: number }
  /** The deadline or the attempts ran out; `lastError` is undefined when no try completed. */
  | { readonly outcome: 'exhausted'; readonly lastError: unknown; readonly attempts: number }
  | { readonly outcome: 'stopped'; readonly attempts: number };

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function redial<T>(o: RedialOptions<T>): Promise<RedialOutcome<T>> {
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const sleep = o.sleep ?? sleepFor;
  const stopped = o.stopped ?? (() => false);
  const deadline = now() + (o.timeoutMs ?? Infinity);
  const maxAttempts = o.maxAttempts ?? Infinity;
  let lastError: unknown;
  let attempts = 0;
  while (!stopped() && now() < deadline && attempts < maxAttempts) {
    await sleep(backoffDelay(attempts + 1, o.backoff, random()));
    if (stopped()) break;
    attempts++;
    try {
      const value = await o.dial(attempts);
      return { outcome: 'connected', value, attempts };
    } catch (err) {
      if (o.isFatal?.(err)) return { outcome: 'fatal', error: err, attempts };
      lastError = err;
      o.onRetry?.(err, attempts);
    }
  }
  return stopped() ? { outcome: 'stopped', attempts } : { outcome: 'exhausted', lastError, attempts };
}
