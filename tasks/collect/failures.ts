/**
 * Why a provider shard did not get its samples, as data that crosses the task hop: each failed request is
 * classified into a cause (a refused key, a spent quota, timeouts, the provider's own errors, malformed
 * answers), the causes of all shards are added up by the job, and each becomes one line for the user that
 * says what happened and what to do. A shard with such a cause commits nothing, so running the command again
 * collects it.
 */
import {
  MalformedResponseError,
  MissingApiKeyError,
  ProviderAuthError,
  ProviderHttpError,
  ProviderTimeoutError,
  QuotaExceededError,
  RateLimitedError,
  SecretsFileError,
} from '../sources/errors.ts';
import { API_KEY_ENV } from '../sources/http/secrets.ts';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';

export type FailureKind =
  | 'missing-key'
  | 'secrets-file'
  | 'auth'
  | 'quota'
  | 'rate-limited'
  | 'timeout'
  | 'provider-error'
  | 'network'
  | 'rejected'
  | 'malformed'
  | 'other';

export interface FailureCause {
  kind: FailureKind;
  provider: string;
  /** HTTP status, where the provider answered. */
  status?: number;
  /** What the provider or the client said, shortened (never a key: URLs and bodies are redacted upstream). */
  detail: string;
  /** Requests that failed this way. */
  requests: number;
  /**
   * Retrying cannot help until the user acts (no key, a key refused, the quota spent): the job stops
   * sending requests instead of spending the rest of the quota on the same answer.
   */
  fatal: boolean;
}

const FATAL: ReadonlySet<FailureKind> = new Set(['missing-key', 'secrets-file', 'auth', 'quota']);

/** The cause one failed request (or a stopped collection) stands for. */
export function classifyFailure(provider: string, error: Error): FailureCause {
  const cause = (kind: FailureKind, detail: string, status?: number): FailureCause => ({
    kind,
    provider,
    ...(status !== undefined ? { status } : {}),
    detail,
    requests: 1,
    fatal: FATAL.has(kind),
  });
  if (error instanceof MissingApiKeyError) return cause('missing-key', error.message);
  if (error instanceof SecretsFileError) return cause('secrets-file', error.message);
  if (error instanceof QuotaExceededError) return cause('quota', error.message);
  if (error instanceof ProviderAuthError) return cause('auth', error.status === 401 ? 'key not recognised' : 'key not authorised', error.status);
  if (error instanceof RateLimitedError) return cause('rate-limited', 'rate limited', error.status);
  if (error instanceof ProviderTimeoutError) return cause('timeout', `no answer within ${error.timeoutMs} ms`);
  if (error instanceof MalformedResponseError) return cause('malformed', `field "${error.field}"`);
  if (error instanceof ProviderHttpError) {
    if (error.status === 0) return cause('network', networkReason(error.message));
    if (error.status >= 500) return cause('provider-error', 'server error', error.status);
    return cause('rejected', error.bodySnippet.slice(0, 80) || 'no details', error.status);
  }
  return cause('other', error.message.slice(0, 200));
}

function networkReason(message: string): string {
  return /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|CERT_[A-Z_]+)\b/.exec(message)?.[1] ?? 'network error';
}

/** Causes added up: one entry per kind, provider, status and detail. */
export function mergeCauses(causes: Iterable<FailureCause>): FailureCause[] {
  const byKey = new Map<string, FailureCause>();
  for (const c of causes) {
    const key = `${c.kind}|${c.provider}|${c.status ?? ''}|${c.detail}`;
    const had = byKey.get(key);
    if (had) had.requests += c.requests;
    else byKey.set(key, { ...c });
  }
  return [...byKey.values()].sort((a, b) => Number(b.fatal) - Number(a.fatal) || b.requests - a.requests);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** One line for the user: what happened to how many requests, and what to do about it. */
export function describeCause(c: FailureCause): string {
  const env = API_KEY_ENV[c.provider as keyof typeof API_KEY_ENV] ?? `the ${c.provider} key`;
  const n = c.requests;
  switch (c.kind) {
    case 'missing-key':
    case 'secrets-file':
    case 'quota':
    case 'other':
      return c.detail;
    case 'auth':
      return `${plural(n, 'request')} refused by ${c.provider} (HTTP ${c.status}: ${c.detail}): check ${env}`;
    case 'rate-limited':
      return `${plural(n, 'request')} rate-limited by ${c.provider} (HTTP ${c.status}) after retries: lower the request rate, add keys, or run again later`;
    case 'timeout':
      return `${plural(n, 'request')} to ${c.provider} timed out (${c.detail}, after retries): check the network, or run again later`;
    case 'provider-error':
      return `${plural(n, 'request')} failed at ${c.provider} (HTTP ${c.status}, after retries): the provider had trouble; run again later`;
    case 'network':
      return `${plural(n, 'request')} could not reach ${c.provider} (${c.detail}): check the network, and --base-url if you set one`;
    case 'rejected':
      return `${plural(n, 'request')} rejected by ${c.provider} (HTTP ${c.status}: ${c.detail})`;
    case 'malformed':
      return `${plural(n, 'answer')} from ${c.provider} malformed (${c.detail}): its response format may have changed`;
  }
}

/** A shard that did not get all its samples. Nothing of it was committed; running the job again collects it. */
export class ShardIncompleteError extends TrafficError {
  override readonly name = 'ShardIncompleteError';
  constructor(
    readonly shardId: string,
    readonly wanted: number,
    readonly got: number,
    readonly causes: FailureCause[],
    /** Requests sent (and billed) while trying. */
    readonly requests: number,
    readonly failedRequests: number,
    readonly costUsd: number,
  ) {
    super(`shard ${shardId} got ${got} of ${wanted} samples and was not committed: ${causes.map(describeCause).join('; ') || 'no cause recorded'}`);
  }
}

/** The ShardIncompleteError in an error's cause chain (a task's error arrives wrapped in TaskError). */
export function shardIncomplete(err: unknown): ShardIncompleteError | undefined {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ShardIncompleteError || (e as Error).name === 'ShardIncompleteError') return e as ShardIncompleteError;
  }
  return undefined;
}

// A shard's failure reaches the driver as this class, with its causes, not as a plain Error.
registerTrafficErrors(ShardIncompleteError);
