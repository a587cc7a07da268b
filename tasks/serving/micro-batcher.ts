/**
 * Micro-batching: requests that arrive close together share one replica call.
 *
 * A batch closes when it holds `maxBatch` requests or `maxWaitMs` after its first request arrived, whichever
 * comes first (the rule of TF Serving's batching and Triton's dynamic batcher). A lone request so waits at
 * most `maxWaitMs`; under load every call carries `maxBatch` requests and the model runs once per batch
 * instead of once per request. Queued requests beyond `maxQueued` are refused at once ({@link BusyError})
 * rather than left to time out, so a caller under overload hears it immediately.
 */
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';

export interface MicroBatcherOptions {
  /** Requests per batch at most. @default 32 */
  maxBatch?: number;
  /** How long a batch stays open after its first request. @default 5 */
  maxWaitMs?: number;
  /** Requests waiting for a batch at most; more are refused with BusyError. @default 10000 */
  maxQueued?: number;
}

/** The queue is full: retry later, or add replicas. */
export class BusyError extends TrafficError {
  override readonly name = 'BusyError';
  constructor(readonly queued: number) {
    super(`the service has ${queued} requests queued, its limit: retry shortly, or run it with more --replicas`);
  }
}

interface Pending<Q, A> {
  query: Q;
  resolve: (a: A) => void;
  reject: (e: unknown) => void;
}

export class MicroBatcher<Q, A> {
  readonly #maxBatch: number;
  readonly #maxWaitMs: number;
  readonly #maxQueued: number;
  #queue: Pending<Q, A>[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Requests submitted, and batches dispatched (replica calls). */
  requests = 0;
  batches = 0;

  constructor(
    /** Answers a batch: one answer per query, in order. */
    private readonly dispatch: (queries: Q[]) => Promise<A[]>,
    options: MicroBatcherOptions = {},
  ) {
    this.#maxBatch = options.maxBatch ?? 32;
    this.#maxWaitMs = options.maxWaitMs ?? 5;
    this.#maxQueued = options.maxQueued ?? 10_000;
    if (!(Number.isInteger(this.#maxBatch) && this.#maxBatch >= 1)) throw new RangeError(`maxBatch must be a whole number ≥ 1, got ${this.#maxBatch}`);
    if (!(this.#maxWaitMs >= 0)) throw new RangeError(`maxWaitMs must be ≥ 0, got ${this.#maxWaitMs}`);
  }

  get queued(): number {
    return this.#queue.length;
  }

  submit(query: Q): Promise<A> {
    if (this.#queue.length >= this.#maxQueued) return Promise.reject(new BusyError(this.#queue.length));
    this.requests++;
    return new Promise<A>((resolve, reject) => {
      this.#queue.push({ query, resolve, reject });
      if (this.#queue.length >= this.#maxBatch) this.flush();
      else this.#timer ??= setTimeout(() => this.flush(), this.#maxWaitMs);
    });
  }

  /** Sends what is queued now, in batches of at most `maxBatch`. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.batches++;
      this.dispatch(batch.map((p) => p.query)).then(
        (answers) => batch.forEach((p, i) => p.resolve(answers[i]!)),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      );
    }
  }
}

registerTrafficErrors(BusyError);
