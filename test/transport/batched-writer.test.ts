import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../cluster/transport/batched-writer.ts';

const turn = () => new Promise((r) => setImmediate(r));

describe('batched writer', () => {
  it('sends what one synchronous run queued as one batch, after that run (microtask)', async () => {
    const batches: number[][] = [];
    const w = new BatchedWriter<number>({ write: (b) => batches.push(b) });
    for (let i = 0; i < 5; i++) w.push(i);
    expect(batches).toEqual([]);
    await Promise.resolve();
    expect(batches).toEqual([[0, 1, 2, 3, 4]]);
    w.push(5);
    await Promise.resolve();
    expect(batches).toEqual([[0, 1, 2, 3, 4], [5]]);
  });

  it('sends a full batch at once and the rest with the scheduled flush', async () => {
    const batches: number[][] = [];
    const w = new BatchedWriter<number>({ write: (b) => batches.push(b), maxBatch: 3 });
    for (let i = 0; i < 7; i++) w.push(i);
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5]]);
    await Promise.resolve();
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('with immediate, collects items pushed from several microtasks of one turn', async () => {
    const batches: string[][] = [];
    const w = new BatchedWriter<string>({ write: (b) => batches.push(b), schedule: 'immediate' });
    w.push('a');
    await Promise.resolve();
    w.push('b');
    expect(batches).toEqual([]);
    await turn();
    expect(batches).toEqual([['a', 'b']]);
  });

  it('with an interval, waits for it', async () => {
    const batches: number[][] = [];
    const w = new BatchedWriter<number>({ write: (b) => batches.push(b), schedule: { intervalMs: 30 } });
    w.push(1);
    await turn();
    w.push(2);
    expect(batches).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(batches).toEqual([[1, 2]]);
  });

  it('flush() keeps order ahead of another message; close() sends the rest, abort() drops it', async () => {
    const log: string[] = [];
    const w = new BatchedWriter<string>({ write: (b) => log.push(b.join('+')) });
    w.push('t1');
    w.push('t2');
    w.flush();
    log.push('cancel');
    w.push('t3');
    w.close();
    w.push('late');
    await Promise.resolve();
    expect(log).toEqual(['t1+t2', 'cancel', 't3']);
    const dropped: string[][] = [];
    const a = new BatchedWriter<string>({ write: (b) => dropped.push(b) });
    a.push('x');
    a.abort();
    await Promise.resolve();
    expect(dropped).toEqual([]);
    expect(a.stopped).toBe(true);
  });

  it('rejects a batch size below one', () => {
    expect(() => new BatchedWriter({ write: () => undefined, maxBatch: 0 })).toThrow(/maxBatch must be at least 1/);
  });
});
