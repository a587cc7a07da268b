/**
 * A token bucket per API key: `ratePerSecond` sustained, `burst` at once.
 *
 * `reserve()` debits a token immediately and says how long to wait before using it, so concurrent callers
 * queue up in order without a timer per token. The clock is injected for tests.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(ratePerSecond: number, burst = Math.max(1, Math.ceil(ratePerSecond)), now: () => number = Date.now) {
    if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${ratePerSecond}`);
    if (!(burst >= 1)) throw new RangeError(`burst must be at least 1, got ${burst}`);
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#updatedAt = now();
  }

  /** Takes one token; returns the ms to wait before it may be spent (0 when one was available). */
  reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.ratePerSecond) * 1000);
  }

  /** Empties the bucket for `ms`, e.g. after the provider answered 429 with Retry-After. */
  pause(ms: number): void {
    this.#refill();
    this.#tokens = Math.min(this.#tokens, 0) - (ms / 1000) * this.ratePerSecond;
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#updatedAt) / 1000;
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.ratePerSecond);
    this.#updatedAt = now;
  }
}
