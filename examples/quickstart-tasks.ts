// Task functions for examples/quickstart.ts. Workers import this module by URL and call the exports.
export function square(x: number): number {
  return x * x;
}

export function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** A CPU-heavy task: it runs in a worker's thread pool, never on the worker's RPC loop. */
export function countPrimes(limit: number): number {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

export class Counter {
  #n = 0;
  increment(by = 1): number {
    this.#n += by;
    return this.#n;
  }
}
