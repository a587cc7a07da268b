/** The store's spill, restore and delete I/O in flight, so `idle()` and `close()` can wait for all of it. */
export class PendingIo {
  readonly #inFlight = new Set<Promise<unknown>>();

  track<T>(p: Promise<T>): Promise<T> {
    this.#inFlight.add(p);
    p.finally(() => this.#inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  /** Resolves when every operation started so far, and every one those started, has finished. */
  async idle(): Promise<void> {
    while (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
  }
}
