import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetTimeoutError, TaskCancelledError, TaskError, TaskTimeoutError, type Cluster } from '../../cluster/client/index.ts';
import { startTestCluster, TASKS, type TestCluster } from '../helpers/cluster.ts';
import type * as basic from '../fixtures/tasks/basic.ts';

let t: TestCluster;
let cluster: Cluster;

beforeAll(async () => {
  t = await startTestCluster({ workers: 2, cpusPerWorker: 1 });
  cluster = t.cluster;
});
afterAll(async () => t?.stop());

describe('tasks on a real cluster', () => {
  it('runs 10,000 tasks and returns every result correctly', async () => {
    const square = cluster.task<typeof basic.square>(TASKS, 'square');
    const refs = Array.from({ length: 10_000 }, (_, i) => square.remote(i));
    const values = await cluster.get(refs);
    expect(values).toHaveLength(10_000);
    values.forEach((v, i) => expect(v).toBe(i * i));
  });

  it('resolves a dependency chain: each task takes the previous result', async () => {
    const add = cluster.task<typeof basic.add>(TASKS, 'add');
    let ref = add.remote(0, 1);
    for (let i = 2; i <= 50; i++) ref = add.remote(ref, i);
    expect(await cluster.get(ref)).toBe((50 * 51) / 2);
  });

  it('fans in 1,000 refs as arguments and as an array argument', async () => {
    const echo = cluster.task<typeof basic.echo<number>>(TASKS, 'echo');
    const refs = Array.from({ length: 1000 }, (_, i) => echo.remote(i));
    const sum = cluster.task<typeof basic.sum>(TASKS, 'sum');
    const sumArray = cluster.task<typeof basic.sumArray>(TASKS, 'sumArray');
    const expected = (999 * 1000) / 2;
    expect(await cluster.get(sum.remote(...refs))).toBe(expected);
    expect(await cluster.get(sumArray.remote(refs))).toBe(expected);
  });

  it("delivers a task's thrown error to get() with its message, class and remote stack", async () => {
    const fail = cluster.task<typeof basic.fail>(TASKS, 'fail');
    const err = await cluster.get(fail.remote('bad sensor id 42')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    const te = err as TaskError;
    expect(te.message).toContain('bad sensor id 42');
    expect(te.cause).toBeInstanceOf(RangeError);
    expect(te.remoteStack).toContain('basic.ts');
    expect(te.remoteStack).toContain('fail');
  });

  it('fails a dependent task with its dependency error', async () => {
    const fail = cluster.task<typeof basic.fail>(TASKS, 'fail');
    const add = cluster.task<typeof basic.add>(TASKS, 'add');
    const ref = add.remote(fail.remote('upstream broke') as never, 1);
    await expect(cluster.get(ref)).rejects.toThrow(/upstream broke/);
  });

  it('wait() returns the first ready refs in input order and honours the timeout', async () => {
    const sleep = cluster.task<typeof basic.sleep>(TASKS, 'sleep', { cpu: 0.5 });
    const slow = sleep.remote(3000, 'slow');
    const fast = sleep.remote(10, 'fast');
    const { ready, notReady } = await cluster.wait([slow, fast], { numReturns: 1 });
    expect(ready).toEqual([fast]);
    expect(notReady).toEqual([slow]);
    const none = await cluster.wait([slow], { numReturns: 1, timeoutMs: 50 });
    expect(none.ready).toEqual([]);
    expect(await cluster.get(slow)).toBe('slow');
    const all = await cluster.wait([slow, fast], { numReturns: 2 });
    expect(all.ready).toEqual([slow, fast]);
    await expect(cluster.wait([fast], { numReturns: 2 })).rejects.toThrow(RangeError);
  });

  it('get() with timeoutMs throws GetTimeoutError while the task keeps running', async () => {
    const sleep = cluster.task<typeof basic.sleep>(TASKS, 'sleep');
    const ref = sleep.remote(1500, 'done');
    await expect(cluster.get(ref, { timeoutMs: 100 })).rejects.toBeInstanceOf(GetTimeoutError);
    expect(await cluster.get(ref)).toBe('done');
  });

  it('put() small and large values and passes them to tasks', async () => {
    const echo = cluster.task<typeof basic.echo<unknown>>(TASKS, 'echo');
    const small = cluster.put({ city: 'oslo', n: 3 });
    expect(await cluster.get(small)).toEqual({ city: 'oslo', n: 3 });
    const bigValue = new Float64Array(100_000).map((_, i) => i / 3);
    const big = cluster.put(bigValue);
    const back = (await cluster.get(echo.remote(big))) as Float64Array;
    expect(back).toBeInstanceOf(Float64Array);
    expect(back.length).toBe(100_000);
    expect(back[99_999]).toBeCloseTo(99_999 / 3);
  });

  it('returns large results through the object store intact', async () => {
    const bytes = cluster.task<typeof basic.bytes>(TASKS, 'bytes');
    const out = await cluster.get(bytes.remote(3_000_000));
    expect(out.length).toBe(3_000_000);
    expect(out[2_999_999]).toBe(2_999_999 % 251);
  });

  it('stops a task that exceeds timeoutMs with TaskTimeoutError', async () => {
    const spin = cluster.task<typeof basic.spin>(TASKS, 'spin', { timeoutMs: 200 });
    await expect(cluster.get(spin.remote(10_000))).rejects.toBeInstanceOf(TaskTimeoutError);
    // The node recovers: the next task on it runs normally.
    const square = cluster.task<typeof basic.square>(TASKS, 'square');
    expect(await cluster.get(square.remote(7))).toBe(49);
  });

  it('cancels queued tasks and, with force, a running one', async () => {
    const spin = cluster.task<typeof basic.spin>(TASKS, 'spin');
    const running = [spin.remote(3000), spin.remote(3000)];
    const queued = spin.remote(3000);
    await new Promise((r) => setTimeout(r, 300));
    cluster.cancel(queued);
    await expect(cluster.get(queued)).rejects.toBeInstanceOf(TaskCancelledError);
    cluster.cancel(running[0]!, { force: true });
    await expect(cluster.get(running[0]!)).rejects.toBeInstanceOf(TaskCancelledError);
    expect(typeof (await cluster.get(running[1]!))).toBe('number');
  });

  it('rejects bad options and bad refs with errors that name the problem', () => {
    expect(() => cluster.task(TASKS, 'square', { cpu: -1 })).toThrow(/cpu/);
    expect(() => cluster.task(TASKS, 'square', { bogus: 1 } as never)).toThrow(/bogus|Unrecognized/);
    expect(() => cluster.task(TASKS, '')).toThrow(/export name/);
    expect(() => cluster.get('not a ref' as never)).rejects.toThrow(/ObjectRef/);
  });

  it('reports a missing export with the names the module has', async () => {
    const nope = cluster.task(TASKS, 'doesNotExist');
    await expect(cluster.get(nope.remote())).rejects.toThrow(/no export named "doesNotExist".*square/);
  });

  it('keeps a request no node can satisfy pending and shows it in status', async () => {
    const gpuTask = cluster.task<typeof basic.square>(TASKS, 'square', { gpu: 1, name: 'needs-gpu' });
    const ref = gpuTask.remote(3);
    let status = await cluster.status();
    for (let i = 0; i < 50 && !status.pending.some((p) => p.infeasible); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await cluster.status();
    }
    const p = status.pending.find((x) => x.infeasible);
    expect(p?.description).toBe('needs-gpu');
    expect(p?.reason).toMatch(/gpu/);
    const { ready } = await cluster.wait([ref], { timeoutMs: 200 });
    expect(ready).toEqual([]);
    cluster.cancel(ref);
  });
});
