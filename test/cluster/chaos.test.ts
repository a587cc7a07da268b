import { afterEach, describe, expect, it } from 'vitest';
import { startTestCluster, TASKS, eventually, type TestCluster } from '../helpers/cluster.ts';
import type * as basic from '../fixtures/tasks/basic.ts';

let t: TestCluster | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('failures of real processes', () => {
  it('finishes the tasks of a worker killed with SIGKILL mid-run on another worker, with correct results', async () => {
    t = await startTestCluster({ workers: 2, cpusPerWorker: 1 });
    const { cluster, local } = t;
    const echoAfter = cluster.task<typeof basic.sleep>(TASKS, 'sleep', { maxRetries: 3 });
    const refs = Array.from({ length: 12 }, (_, i) => echoAfter.remote(200, i));
    // Let both workers get busy, then kill one without warning.
    await eventually(async () => (await cluster.status()).nodes.every((n) => n.runningTasks > 0), 20_000, 'both workers running');
    const victim = local.workers[0]!;
    victim.child.kill('SIGKILL');
    const values = await cluster.get(refs);
    expect(values).toEqual(Array.from({ length: 12 }, (_, i) => i));
    const status = await cluster.status();
    const dead = status.nodes.find((n) => n.nodeId === victim.nodeId);
    expect(dead?.state).toBe('dead');
    expect(status.nodes.filter((n) => n.state === 'alive')).toHaveLength(1);
  });

  it('fails with WorkerDiedError when retries run out', async () => {
    t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
    const { cluster, local } = t;
    const sleep = cluster.task<typeof basic.sleep>(TASKS, 'sleep', { maxRetries: 0 });
    const ref = sleep.remote(5000, 'never');
    await eventually(async () => (await cluster.status()).nodes.some((n) => n.runningTasks > 0), 20_000, 'task running');
    local.workers[0]!.child.kill('SIGKILL');
    await expect(cluster.get(ref)).rejects.toMatchObject({ name: 'WorkerDiedError' });
  });

  it('marks a silent worker dead after the heartbeat timeout, and takes it back when it wakes', async () => {
    t = await startTestCluster({ workers: 1, cpusPerWorker: 1, heartbeatTimeoutMs: 1500 });
    const { cluster, local } = t;
    const w = local.workers[0]!;
    w.child.kill('SIGSTOP');
    try {
      await eventually(async () => (await cluster.status()).nodes[0]?.state === 'dead', 15_000, 'node marked dead');
    } finally {
      w.child.kill('SIGCONT');
    }
    await eventually(async () => (await cluster.status()).nodes[0]?.state === 'alive', 15_000, 'node back');
    const square = cluster.task<typeof basic.square>(TASKS, 'square');
    expect(await cluster.get(square.remote(9))).toBe(81);
  });
});
