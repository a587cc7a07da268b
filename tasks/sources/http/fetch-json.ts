/**
 * One provider request with timeouts, retries and typed failures.
 *
 * - 429, and 403 "over QPS" (TomTom's gateway says that for per-second limits): wait Retry-After, or back
 *   off, and retry.
 * - 403 over quota: `QuotaExceededError` at once (retrying cannot help; the caller moves to another key).
 * - 401, other 403: `ProviderAuthError` at once.
 * - 500, 502, 503, 504, network errors and timeouts: back off with jitter and retry.
 * - 200 with a body that is not JSON: `MalformedResponseError`.
 * Only redacted URLs and bodies appear in errors.
 */
import {
  MalformedResponseError,
  ProviderAuthError,
  ProviderHttpError,
  type ProviderName,
  ProviderTimeoutError,
  QuotaExceededError,
  RateLimitedError,
} from '../errors.ts';
import { backoffDelayMs, type HttpBackoffPolicy, DEFAULT_HTTP_BACKOFF, parseRetryAfter } from './backoff.ts';
import { dayStart, nextMonthStart } from './quota-ledger.ts';
import { bodySnippet, redactUrl } from './redact.ts';

export interface FetchJsonOptions {
  provider: ProviderName;
  /** Fingerprint of the key in use, for error messages. */
  keyId?: string;
  /** Secret values to scrub from quoted bodies. */
  secrets?: readonly string[];
  /** @default 10000 */
  timeoutMs?: number;
  backoff?: HttpBackoffPolicy;
  /** Quota window a 403-over-quota closes (UTC day or month). @default 'day' */
  quotaWindow?: 'day' | 'month';
  /** Called before each retry with the wait, so callers can pause the key's token bucket too. */
  onRetry?: (info: { attempt: number; waitMs: number; status?: number; error?: unknown }) => void;
  init?: RequestInit;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const RETRY_STATUSES = new Set([500, 502, 503, 504]);
/** TomTom's API gateway (Mashery) answers 403 for both per-second and daily limits; the body tells which. */
const OVER_QPS = /over[ _-]?qps|queries per second|too many requests/i;
const OVER_QUOTA = /over[ _-]?rate|quota|limit (?:has been )?exceeded|exceeded .*limit|usage limit/i;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Fetches `url` and parses JSON, retrying what is worth retrying. Returns the parsed body. */
export async function fetchJson(url: URL | string, options: FetchJsonOptions): Promise<unknown> {
  const { provider } = options;
  const safeUrl = redactUrl(url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const policy = options.backoff ?? DEFAULT_HTTP_BACKOFF;
  const sleep = options.sleep ?? defaultSleep;
  const secrets = options.secrets ?? [];
  let lastError: unknown;
  let timeouts = 0;
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { ...options.init, signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (cause) {
      const timedOut = (cause as Error)?.name === 'TimeoutError' || (cause as Error)?.name === 'AbortError';
      if (timedOut) timeouts++;
      lastError = timedOut
        ? new ProviderTimeoutError(provider, safeUrl, timeoutMs, attempt + 1)
        : new ProviderHttpError(provider, 0, safeUrl, '', {
            message: `${provider} request to ${safeUrl} failed: ${bodySnippet(String((cause as Error)?.message ?? cause), secrets)}`,
          });
      if (attempt < policy.retries) {
        const waitMs = backoffDelayMs(attempt, policy, options.random);
        options.onRetry?.({ attempt, waitMs, error: lastError });
        await sleep(waitMs);
        continue;
      }
      if (timedOut && timeouts === attempt + 1) throw new ProviderTimeoutError(provider, safeUrl, timeoutMs, attempt + 1);
      throw lastError;
    }

    if (res.ok) {
      try {
        return JSON.parse(text);
      } catch (cause) {
        throw new MalformedResponseError(provider, 'body', safeUrl, `is not JSON: ${bodySnippet(text, secrets, 80)}`, { cause });
      }
    }

    const snippet = bodySnippet(text, secrets);
    const status = res.status;
    if (status === 403 && OVER_QUOTA.test(text) && !OVER_QPS.test(text)) {
      const window = options.quotaWindow ?? 'day';
      const now = Date.now();
      const resetsAt = new Date(window === 'day' ? dayStart(now) + 86_400_000 : nextMonthStart(now));
      throw new QuotaExceededError(provider, options.keyId ?? 'unknown', window, resetsAt, 'provider');
    }
    if (status === 401 || status === 403) {
      if (!(status === 403 && OVER_QPS.test(text))) throw new ProviderAuthError(provider, status, safeUrl, snippet, options.keyId ?? 'unknown');
    }
    const rateLimited = status === 429 || status === 403;
    if (rateLimited || RETRY_STATUSES.has(status)) {
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      lastError = rateLimited
        ? new RateLimitedError(provider, status, safeUrl, snippet, retryAfter ?? backoffDelayMs(attempt, policy, options.random))
        : new ProviderHttpError(provider, status, safeUrl, snippet);
      if (attempt < policy.retries) {
        const waitMs = Math.min(policy.maxMs * 4, retryAfter ?? backoffDelayMs(attempt, policy, options.random));
        options.onRetry?.({ attempt, waitMs, status });
        await sleep(waitMs);
        continue;
      }
      throw lastError;
    }
    throw new ProviderHttpError(provider, status, safeUrl, snippet);
  }
  throw lastError;
}
