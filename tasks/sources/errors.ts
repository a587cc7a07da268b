/**
 * Errors of the traffic sources. Each names the provider and what to do; none ever carries an API key (URLs
 * are redacted before they reach a message or a field).
 *
 * Task code steers retries with them: `RateLimitedError.retryAfterMs` says when to try again,
 * `QuotaExceededError.resetsAt` says when the key's quota window reopens, and `MalformedResponseError`
 * fails one request without failing the batch it is part of.
 */
import type { ProviderSourceName } from '../traffic/source-names.ts';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';

/** Who answered: a provider API, or the Overpass server the OSM source queries. */
export type ProviderName = ProviderSourceName | 'overpass';

export class ProviderHttpError extends TrafficError {
  override readonly name: string = 'ProviderHttpError';
  constructor(
    readonly provider: ProviderName,
    readonly status: number,
    /** Request URL with credentials replaced by `***`. */
    readonly url: string,
    readonly bodySnippet: string,
    options?: { cause?: unknown; message?: string },
  ) {
    super(options?.message ?? `${provider} answered HTTP ${status} for ${url}: ${bodySnippet || '(empty body)'}`, options);
  }
}

/** 429, or 503 with Retry-After, after the retries were spent. */
export class RateLimitedError extends ProviderHttpError {
  override readonly name = 'RateLimitedError';
  constructor(provider: ProviderName, status: number, url: string, bodySnippet: string, readonly retryAfterMs: number) {
    super(provider, status, url, bodySnippet, {
      message: `${provider} is rate limiting (HTTP ${status}) for ${url}; retry after ${Math.ceil(retryAfterMs / 1000)} s or lower the request rate`,
    });
  }
}

/** The key's daily or monthly quota is used up: no more requests with it until `resetsAt`. */
export class QuotaExceededError extends TrafficError {
  override readonly name = 'QuotaExceededError';
  constructor(
    readonly provider: ProviderName,
    /** Short fingerprint of the key (sha-256 prefix), never the key. */
    readonly keyId: string,
    readonly window: 'day' | 'month',
    readonly resetsAt: Date,
    readonly source: 'ledger' | 'provider',
  ) {
    super(
      `${provider} key ${keyId} has used its ${window === 'day' ? 'daily' : 'monthly'} quota` +
        `${source === 'provider' ? ' (the provider answered 403 over quota)' : ''}; it reopens at ${resetsAt.toISOString()}. ` +
        'Add another key, raise the quota if your plan allows more (convoy collect --quota N/day or N/month), or run again after the reset',
    );
  }
}

/** 401, or a 403 that is not about quota: the key is wrong, revoked or lacks the API. */
export class ProviderAuthError extends ProviderHttpError {
  override readonly name = 'ProviderAuthError';
  constructor(provider: ProviderName, status: number, url: string, bodySnippet: string, readonly keyId: string) {
    super(provider, status, url, bodySnippet, {
      message: `${provider} rejected key ${keyId} (HTTP ${status}) for ${url}: check that the key is valid and enabled for this API`,
    });
  }
}

export class ProviderTimeoutError extends TrafficError {
  override readonly name = 'ProviderTimeoutError';
  constructor(
    readonly provider: ProviderName,
    readonly url: string,
    readonly timeoutMs: number,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`${provider} did not answer ${url} within ${timeoutMs} ms (${attempts} attempts); check connectivity or raise timeoutMs`, options);
  }
}

/** A 200 whose body is not what the provider documents. The rest of the batch goes on. */
export class MalformedResponseError extends TrafficError {
  override readonly name = 'MalformedResponseError';
  constructor(
    readonly provider: ProviderName,
    /** Path of the offending field, e.g. `flowSegmentData.currentSpeed`. */
    readonly field: string,
    readonly url: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider} returned a malformed response for ${url}: field "${field}" ${detail}`, options);
  }
}

export class MissingApiKeyError extends TrafficError {
  override readonly name = 'MissingApiKeyError';
  constructor(
    readonly provider: ProviderName,
    readonly envVar: string,
    readonly secretsFile: string | undefined,
  ) {
    super(
      `no ${provider} API key: set ${envVar} (export ${envVar}=YOUR_KEY; several keys comma-separated)` +
        (secretsFile
          ? ` or add "${provider}": "KEY" to ${secretsFile}`
          : `, or give a secrets file holding {"${provider}": "KEY"} (--secrets-file FILE or CONVOY_SECRETS_FILE)`),
    );
  }
}

export class SecretsFileError extends TrafficError {
  override readonly name = 'SecretsFileError';
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`secrets file ${path}: ${reason}`, options);
  }
}

/**
 * Error classes by name, for rebuilding errors that crossed a thread or process boundary as
 * `{name, message, …data}` (see the cluster's error transport).
 */
export const SOURCE_ERROR_CLASSES = {
  ProviderHttpError,
  RateLimitedError,
  QuotaExceededError,
  ProviderAuthError,
  ProviderTimeoutError,
  MalformedResponseError,
  MissingApiKeyError,
  SecretsFileError,
} as const;

registerTrafficErrors(...Object.values(SOURCE_ERROR_CLASSES));
