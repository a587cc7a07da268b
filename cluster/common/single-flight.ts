/**
 * Concurrent requests for one key share one run (a pull of an object, a restore from spill, a package
 * download); the key is forgotten once that run settles, so a later request after a failure tries again.
 */
export class SingleFlight<K, V> {
  readonly #running = new Map<K, Promise<V>>();

  run(key: K, start: () => Promise<V>): Promise<V> {
    let p = this.#running.get(key);
    if (!p) {
      p = start();
      this.#running.set(key, p);
      // The caller handles the rejection; this branch only forgets the key.
      p.finally(() => this.#running.delete(key)).catch(() => undefined);
    }
    return p;
  }
}
