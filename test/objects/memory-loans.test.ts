import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/cluster.ts';

/** A pool-like thread (test/fixtures/loan-thread.mjs) and the loans it has given back so far. */
class LoanThread {
  readonly returned: number[] = [];
  readonly #worker = new Worker(new URL('../fixtures/loan-thread.mjs', import.meta.url));
  #replies: ((m: { tracks: boolean; keptByte?: number }) => void)[] = [];

  constructor() {
    this.#worker.on('message', (m: { returned?: number[]; tracks: boolean }) => {
      if (m.returned) this.returned.push(...m.returned);
      else this.#replies.shift()?.(m);
    });
  }

  send(m: Record<string, unknown>): Promise<{ tracks: boolean; keptByte?: number }> {
    return new Promise((resolve) => {
      this.#replies.push(resolve);
      this.#worker.postMessage(m);
    });
  }

  hold(loan: number, keep?: 'view' | 'clone', byte = loan) {
    return this.send({ op: 'hold', loan, keep, bytes: new Uint8Array(new SharedArrayBuffer(1 << 20)).fill(byte) });
  }

  /**
   * Collects in the thread, then waits for the loans `expected` says come back (the thread's finalizers run,
   * and their report arrives, whenever its event loop gets to them). With nothing expected it gives them a
   * moment: there, a slow report can only make the test pass, never fail.
   */
  async collect(expected?: (returned: number[]) => boolean): Promise<void> {
    await this.send({ op: 'gc' });
    if (expected) await eventually(() => expected(this.returned), 20_000, 'the thread to give loans back');
    else await new Promise((r) => setTimeout(r, 300));
  }

  stop() {
    return this.#worker.terminate();
  }
}

let threads: LoanThread[] = [];
const thread = () => {
  const t = new LoanThread();
  threads.push(t);
  return t;
};
afterEach(async () => {
  await Promise.all(threads.map((t) => t.stop()));
  threads = [];
});

describe('a pool thread giving back lent memory', () => {
  it('gives a loan back once nothing in the thread can read the memory, and not while a view remains', async () => {
    const t = thread();
    expect((await t.hold(1)).tracks).toBe(true);
    expect((await t.hold(2, 'view')).keptByte).toBe(2);
    await t.collect((r) => r.includes(1)); // loan 2 would come back in the same report, had its memory been let go
    expect(t.returned).toEqual([1]);
    await t.send({ op: 'drop' });
    await t.collect((r) => r.includes(2));
    expect(t.returned.sort()).toEqual([1, 2]);
  });

  it('stops giving loans back for good once a task shares memory through structuredClone', async () => {
    const t = thread();
    const r = await t.hold(3, 'clone');
    expect(r).toMatchObject({ tracks: false, keptByte: 3 }); // the clone is a second view of the same memory
    await t.hold(4);
    await t.collect();
    expect(t.returned).toEqual([]);
  });

  it('stops giving loans back for good once a task opens a channel of its own', async () => {
    const t = thread();
    expect((await t.send({ op: 'channel' })).tracks).toBe(false);
    await t.hold(5);
    await t.collect();
    expect(t.returned).toEqual([]);
  });
});
