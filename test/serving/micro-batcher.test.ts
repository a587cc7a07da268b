// Micro-batching on its own: batches close at maxBatch requests or after maxWaitMs, each request gets its own
// answer, a failed batch fails its requests only, and a full queue refuses at once.
import { describe, expect, it } from 'vitest';
import { BusyError, MicroBatcher } from '../../tasks/serving/micro-batcher.ts';

describe('MicroBatcher', () => {
  it('closes a batch at maxBatch requests and answers each request with its own answer', async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher<number, string>(async (qs) => (calls.push(qs), qs.map((q) => `a${q}`)), { maxBatch: 4, maxWaitMs: 3_600_000 });
    const answers = Array.from({ length: 10 }, (_, i) => b.submit(i));
    expect(calls).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(b.queued).toBe(2);
    b.flush();
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
    expect(calls.at(-1)).toEqual([8, 9]);
    expect([b.requests, b.batches]).toEqual([10, 3]);
  });

  it('sends a lone request once its batch has waited maxWaitMs', async () => {
    const b = new MicroBatcher<number, number>(async (qs) => qs.map((q) => q * 2), { maxBatch: 100, maxWaitMs: 1 });
    expect(await b.submit(21)).toBe(42);
    expect(b.batches).toBe(1);
  });

  it('fails the requests of a failed batch only', async () => {
    const b = new MicroBatcher<number, number>(async (qs) => {
      if (qs.includes(0)) throw new Error('replica died');
      return qs;
    }, { maxBatch: 2, maxWaitMs: 3_600_000 });
    const first = [b.submit(0), b.submit(1)];
    const second = [b.submit(2), b.submit(3)];
    await expect(Promise.all(first)).rejects.toThrow('replica died');
    expect(await Promise.all(second)).toEqual([2, 3]);
  });

  it('refuses a request over maxQueued at once with BusyError', async () => {
    const b = new MicroBatcher<number, number>(async (qs) => qs, { maxBatch: 10, maxWaitMs: 3_600_000, maxQueued: 2 });
    const queued = [b.submit(1), b.submit(2)];
    await expect(b.submit(3)).rejects.toBeInstanceOf(BusyError);
    b.flush();
    expect(await Promise.all(queued)).toEqual([1, 2]);
    expect(b.requests).toBe(2);
  });
});
