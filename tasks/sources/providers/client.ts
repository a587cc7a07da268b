/**
 * The engine shared by the TomTom, HERE and Mapbox clients: keys, rate limits, quotas, retries, cost, and
 * turning responses into record batches.
 *
 * Per request: pick the next key whose quota the ledger still allows (counting the request before it is
 * sent), wait for that key's token bucket, fetch with retries, validate and map the body with the
 * provider's adapter. A malformed body or a failed request is recorded as a failure and the rest go on; a
 * key the provider says is over quota is blocked until its window resets and the request moves to the next
 * key; when every key is spent the collection stops with `QuotaExceededError` in `stoppedBy`.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { SampleBatchBuilder } from '../../traffic/batch-builder.ts';
import { formatZodIssues } from '../../../cluster/common/index.ts';
import type { Sample } from '../../traffic/schema.ts';
import { QuotaExceededError, RateLimitedError } from '../errors.ts';
import { ApiKey } from '../http/api-key.ts';
import { DEFAULT_HTTP_BACKOFF } from '../http/backoff.ts';
import { fetchJson } from '../http/fetch-json.ts';
import { QuotaLedger } from '../http/quota-ledger.ts';
import { redactUrl } from '../http/redact.ts';
import { loadApiKeys } from '../http/secrets.ts';
import { TokenBucket } from '../http/token-bucket.ts';
import { marginalCostUsd, PROVIDER_CATALOG, type ProviderCatalogEntry } from './catalog.ts';

/** What a provider module supplies: how to ask, and how to read the answer. */
export interface ProviderAdapter<Req> {
  readonly name: ProviderCatalogEntry['name'];
  readonly defaultBaseUrl: string;
  /** The request URL, with the key where the provider expects it. */
  buildUrl(baseUrl: string, request: Req, key: string): URL;
  /** Validates a 200 body and maps it to samples; throws `MalformedResponseError` naming the field. */
  parse(body: unknown, request: Req, context: { fetchedAtMs: number; url: string }): Sample[];
}

/** Minimal logger shape (pino's): only key ids and redacted URLs are ever passed to it. */
export interface SourceLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ProviderClientOptions {
  /** Keys to use; otherwise read from the environment or the secrets file. */
  keys?: readonly (ApiKey | string)[];
  secretsFile?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Provider base URL (tests point it at a local server). @default the provider's public endpoint */
  baseUrl?: string;
  /** Quota ledger, or the path of its SQLite file. @default ~/.convoy/quota-ledger.sqlite */
  ledger?: QuotaLedger | string;
  /**
   * Requests allowed per key. @default the free tier (TomTom 2,500/day, HERE 5,000/month, Mapbox
   * 100,000/month), so nothing is spent unless you raise it
   */
  quota?: { perDay?: number; perMonth?: number };
  /** Requests per second per key. @default the catalog's rate for the provider */
  ratePerSecond?: number;
  /** Requests in flight at once, over all keys. @default 4 */
  concurrency?: number;
  /** Per-attempt timeout. @default 10000 */
  timeoutMs?: number;
  /** Retries after the first attempt. @default 4 */
  retries?: number;
  /** First backoff step, ms. @default 500 */
  backoffBaseMs?: number;
  /** Rows per output record batch. @default 65536 */
  batchRows?: number;
  /** Overrides of the catalog entry (prices, free tier) for cost estimates. */
  catalog?: Partial<Omit<ProviderCatalogEntry, 'name'>>;
  logger?: SourceLogger;
  now?: () => number;
}

const optionsSchema = z.object({
  keys: z.array(z.union([z.instanceof(ApiKey), z.string().min(1)])).min(1).optional(),
  secretsFile: z.string().min(1).optional(),
  baseUrl: z.url().optional(),
  ledger: z.union([z.instanceof(QuotaLedger), z.string().min(1)]).optional(),
  quota: z.object({ perDay: z.number().int().positive().optional(), perMonth: z.number().int().positive().optional() }).optional(),
  ratePerSecond: z.number().positive().optional(),
  concurrency: z.number().int().positive().max(256).default(4),
  timeoutMs: z.number().int().positive().default(10_000),
  retries: z.number().int().min(0).max(20).default(DEFAULT_HTTP_BACKOFF.retries),
  backoffBaseMs: z.number().int().min(0).default(DEFAULT_HTTP_BACKOFF.baseMs),
  batchRows: z.number().int().positive().default(65_536),
});

export interface ProviderUsage {
  provider: string;
  /** Requests sent (each retry of one request counts: providers bill them). */
  requests: number;
  succeeded: number;
  failed: number;
  retries: number;
  rateLimited: number;
  samples: number;
  /** Estimated spend of this client's requests, USD, from the catalog's free tier and prices. */
  estimatedCostUsd: number;
}

export interface RequestFailure<Req> {
  request: Req;
  error: Error;
}

/** Progress of one client's collect() (a provider's requests), apart from the collection job's CollectProgress. */
export interface ProviderProgress {
  done: number;
  total: number | undefined;
  samples: number;
  failed: number;
  requests: number;
  estimatedCostUsd: number;
  /** Requests completed per second since the collection started. */
  ratePerSecond: number;
  /** Seconds left at the current rate, when the total is known. */
  etaSeconds: number | undefined;
}

export interface CollectResult<Req> {
  batches: RecordBatch[];
  samples: number;
  failures: RequestFailure<Req>[];
  /** Set when the collection stopped early because every key's quota is spent. */
  stoppedBy?: QuotaExceededError;
  /** Requests not sent because of `stoppedBy` or an abort: pass them to a later `collect` to resume. */
  unattempted: Req[];
  usage: ProviderUsage;
}

interface KeySlot {
  key: ApiKey;
  bucket: TokenBucket;
}

export const DEFAULT_LEDGER_PATH = join(homedir(), '.convoy', 'quota-ledger.sqlite');

export class ProviderClient<Req> {
  readonly adapter: ProviderAdapter<Req>;
  readonly #opts: z.infer<typeof optionsSchema>;
  readonly #catalog: ProviderCatalogEntry;
  readonly #quota: { perDay?: number; perMonth?: number };
  readonly #logger: SourceLogger | undefined;
  readonly #now: () => number;
  readonly #baseUrl: string;
  readonly #env: ProviderClientOptions['env'];
  #slots: KeySlot[] | undefined;
  #ledger: QuotaLedger | undefined;
  readonly #ownsLedger: boolean;
  readonly #ledgerPath: string;
  #next = 0;
  readonly #usage: ProviderUsage;

  constructor(adapter: ProviderAdapter<Req>, options: ProviderClientOptions = {}) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      const issues = formatZodIssues(parsed.error.issues).join('; ');
      throw new TypeError(`invalid ${adapter.name} client options: ${issues}`);
    }
    this.adapter = adapter;
    this.#opts = parsed.data;
    this.#catalog = { ...PROVIDER_CATALOG[adapter.name], ...options.catalog, name: adapter.name };
    const free = this.#catalog.free;
    this.#quota = options.quota ?? (free.window === 'day' ? { perDay: free.requests } : { perMonth: free.requests });
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#baseUrl = options.baseUrl ?? adapter.defaultBaseUrl;
    this.#env = options.env;
    if (options.keys) this.#slots = options.keys.map((k) => this.#slot(typeof k === 'string' ? new ApiKey(k) : k));
    if (options.ledger instanceof QuotaLedger) this.#ledger = options.ledger;
    this.#ownsLedger = !(options.ledger instanceof QuotaLedger);
    this.#ledgerPath = typeof options.ledger === 'string' ? options.ledger : DEFAULT_LEDGER_PATH;
    this.#usage = { provider: adapter.name, requests: 0, succeeded: 0, failed: 0, retries: 0, rateLimited: 0, samples: 0, estimatedCostUsd: 0 };
  }

  usage(): ProviderUsage {
    return { ...this.#usage };
  }

  /** Samples for one request; throws on failure (use `collect` to keep going past failures). */
  async fetch(request: Req): Promise<Sample[]> {
    // Build the URL once with a placeholder first: a request the adapter refuses must not use up quota.
    this.adapter.buildUrl(this.#baseUrl, request, 'probe');
    const slots = await this.#keys();
    const ledger = (this.#ledger ??= new QuotaLedger(this.#ledgerPath, this.#now));
    const excluded = new Set<string>();
    let providerSaidOverQuota: QuotaExceededError | undefined;
    for (;;) {
      const slot = this.#pickKey(slots, ledger, excluded, providerSaidOverQuota);
      const wait = slot.bucket.reserve();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const url = this.adapter.buildUrl(this.#baseUrl, request, slot.key.reveal());
      const safeUrl = redactUrl(url);
      try {
        const body = await fetchJson(url, {
          provider: this.adapter.name,
          keyId: slot.key.id,
          secrets: [slot.key.reveal()],
          timeoutMs: this.#opts.timeoutMs,
          backoff: { ...DEFAULT_HTTP_BACKOFF, baseMs: this.#opts.backoffBaseMs, retries: this.#opts.retries },
          quotaWindow: this.#catalog.free.window,
          onRetry: ({ waitMs, status }) => {
            this.#usage.retries++;
            this.#countRequest(slot, ledger);
            if (status === 429 || status === 403) {
              this.#usage.rateLimited++;
              slot.bucket.pause(waitMs);
            }
            this.#logger?.debug({ provider: this.adapter.name, keyId: slot.key.id, url: safeUrl, status, waitMs }, 'provider retry');
          },
        });
        const samples = this.adapter.parse(body, request, { fetchedAtMs: this.#now(), url: safeUrl });
        this.#usage.succeeded++;
        this.#usage.samples += samples.length;
        return samples;
      } catch (error) {
        if (error instanceof QuotaExceededError) {
          const resetsAt = ledger.block(this.adapter.name, slot.key.id, error.window);
          this.#logger?.warn({ provider: this.adapter.name, keyId: slot.key.id, resetsAt }, 'provider key over quota');
          excluded.add(slot.key.id);
          providerSaidOverQuota = new QuotaExceededError(this.adapter.name, slot.key.id, error.window, resetsAt, 'provider');
          continue;
        }
        if (error instanceof RateLimitedError) this.#usage.rateLimited++;
        throw error;
      }
    }
  }

  /**
   * Runs many requests with bounded concurrency and returns their samples as record batches plus the
   * failures. Never throws for a single request's failure.
   */
  async collect(requests: Iterable<Req>, options: { onProgress?: (p: ProviderProgress) => void; signal?: AbortSignal } = {}): Promise<CollectResult<Req>> {
    const list = [...requests];
    const builder = new SampleBatchBuilder(this.#opts.batchRows);
    const batches: RecordBatch[] = [];
    const failures: RequestFailure<Req>[] = [];
    let stoppedBy: QuotaExceededError | undefined;
    let cursor = 0;
    let done = 0;
    const finished = new Uint8Array(list.length);
    let samples = 0;
    const started = this.#now();
    const report = () => {
      if (!options.onProgress) return;
      const elapsed = Math.max(1, this.#now() - started) / 1000;
      const rate = done / elapsed;
      options.onProgress({
        done,
        total: list.length,
        samples,
        failed: failures.length,
        requests: this.#usage.requests,
        estimatedCostUsd: this.#usage.estimatedCostUsd,
        ratePerSecond: rate,
        etaSeconds: rate > 0 ? (list.length - done) / rate : undefined,
      });
    };
    const worker = async () => {
      while (!stoppedBy && !options.signal?.aborted && cursor < list.length) {
        const index = cursor++;
        const request = list[index]!;
        try {
          for (const s of await this.fetch(request)) {
            builder.append(s);
            samples++;
            if (builder.full) batches.push(builder.finish());
          }
        } catch (error) {
          if (error instanceof QuotaExceededError) {
            // This request was not sent: it counts as unattempted and can be retried after the reset.
            stoppedBy ??= error;
            break;
          }
          this.#usage.failed++;
          failures.push({ request, error: error as Error });
          this.#logger?.warn({ provider: this.adapter.name, error: (error as Error).message }, 'provider request failed');
        }
        finished[index] = 1;
        done++;
        report();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#opts.concurrency, Math.max(1, list.length)) }, worker));
    if (builder.length > 0) batches.push(builder.finish());
    return { batches, samples, failures, stoppedBy, unattempted: list.filter((_, i) => finished[i] === 0), usage: this.usage() };
  }

  close(): void {
    if (this.#ownsLedger) this.#ledger?.close();
    this.#ledger = undefined;
  }

  async #keys(): Promise<KeySlot[]> {
    this.#slots ??= (await loadApiKeys(this.adapter.name, { env: this.#env, secretsFile: this.#opts.secretsFile })).map((k) => this.#slot(k));
    return this.#slots;
  }

  #slot(key: ApiKey): KeySlot {
    const rate = this.#opts.ratePerSecond ?? this.#catalog.ratePerSecond;
    return { key, bucket: new TokenBucket(rate, Math.max(1, Math.ceil(rate)), this.#now) };
  }

  /** Next key in rotation whose quota allows one more request; the request is counted on it. */
  #pickKey(slots: KeySlot[], ledger: QuotaLedger, excluded: Set<string>, fallback: QuotaExceededError | undefined): KeySlot {
    let earliest = fallback;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[(this.#next + i) % slots.length]!;
      if (excluded.has(slot.key.id)) continue;
      const r = ledger.reserve(this.adapter.name, slot.key.id, this.#quota);
      if (r.ok) {
        this.#next = (this.#next + i + 1) % slots.length;
        this.#afterCount(r.dayCount, r.monthCount);
        return slot;
      }
      const e = new QuotaExceededError(this.adapter.name, slot.key.id, r.window, r.resetsAt, r.reason);
      if (!earliest || e.resetsAt < earliest.resetsAt) earliest = e;
    }
    throw earliest!;
  }

  /** Counts a retry: providers bill every request they receive, including those that failed. */
  #countRequest(slot: KeySlot, ledger: QuotaLedger): void {
    // A retry must not break the quota either, but refusing mid-retry would lose the request: count it and
    // let the next `#pickKey` see the window is spent.
    const r = ledger.reserve(this.adapter.name, slot.key.id, {});
    if (r.ok) this.#afterCount(r.dayCount, r.monthCount);
  }

  #afterCount(dayCount: number, monthCount: number): void {
    this.#usage.requests++;
    const inWindow = this.#catalog.free.window === 'day' ? dayCount : monthCount;
    this.#usage.estimatedCostUsd += marginalCostUsd(this.#catalog, { inFreeWindow: inWindow - 1, inMonth: monthCount - 1 });
  }
}
