import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorDiedError, TaskError, type Cluster } from '../../cluster/client/index.ts';
import { startTestCluster, eventually, type TestCluster } from '../helpers/cluster.ts';
import type * as actors from '../fixtures/tasks/actors.ts';

const ACTORS = new URL('../fixtures/tasks/actors.ts', import.meta.url);
let t: TestCluster;
let cluster: Cluster;

beforeAll(async () => {
  t = await startTestCluster({ workers: 2, cpusPerWorker: 1 });
  cluster = t.cluster;
});
afterAll(async () => t?.stop());

describe('actors', () => {
  it('keeps state between calls and runs calls one at a time in call order', async () => {
    const counter = cluster.actor<typeof actors.Counter>(ACTORS, 'Counter').remote(10);
    const refs = [2, 1, 5, 1, 4].map((by) => counter.call('delayedAdd', by));
    expect(await cluster.get(refs)).toEqual([12, 13, 18, 19, 23]);
    expect(await cluster.get(counter.call('history'))).toEqual([12, 13, 18, 19, 23]);
    counter.kill();
  });

  it('passes ObjectRefs to methods and delivers method errors as TaskError', async () => {
    const counter = cluster.actor<typeof actors.Counter>(ACTORS, 'Counter').remote();
    const by = cluster.put(7);
    expect(await cluster.get(counter.call('increment', by))).toBe(7);
    const err = await cluster.get(counter.call('fail', 'bad state')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as Error).message).toContain('bad state');
    expect(await cluster.get(counter.call('increment', 1))).toBe(8); // still alive after a method threw
    counter.kill();
  });

  it('runs in its own process with isolation: process, holding its resources', async () => {
    const counter = cluster.actor<typeof actors.Counter>(ACTORS, 'Counter', { isolation: 'process', cpu: 1 }).remote();
    const pid = await cluster.get(counter.call('pid'));
    expect(pid).not.toBe(process.pid);
    expect(t.local.workers.map((w) => w.pid)).not.toContain(pid);
    const status = await cluster.status();
    expect(status.nodes.reduce((s, n) => s + (n.total.cpu ?? 0) - (n.available.cpu ?? 0), 0)).toBeGreaterThanOrEqual(1);
    counter.kill();
  });

  it('restarts a crashed actor up to maxRestarts: the running call fails, the calls behind it reach the new instance', async () => {
    const counter = cluster.actor<typeof actors.Counter>(ACTORS, 'Counter', { maxRestarts: 1 }).remote(100);
    expect(await cluster.get(counter.call('increment', 1))).toBe(101);
    const crash = counter.call('crash');
    const after = counter.call('increment', 1); // queued behind the crash: answered by the restarted instance
    await expect(cluster.get(crash)).rejects.toBeInstanceOf(ActorDiedError);
    expect(await cluster.get(after)).toBe(101); // state starts over from the constructor arguments
    // A second crash uses up the restarts: the actor is dead and every later call fails.
    await expect(cluster.get(counter.call('crash'))).rejects.toBeInstanceOf(ActorDiedError);
    await expect(cluster.get(counter.call('increment', 1))).rejects.toBeInstanceOf(ActorDiedError);
    expect(counter.state).toBe('dead');
  });

  it('fails pending calls with ActorDiedError when restarts are used up', async () => {
    const counter = cluster.actor<typeof actors.Counter>(ACTORS, 'Counter', { maxRestarts: 0, isolation: 'process' }).remote();
    const crash = counter.call('crash');
    const pending = counter.call('increment', 1);
    await expect(cluster.get(crash)).rejects.toBeInstanceOf(ActorDiedError);
    const err = (await cluster.get(pending).catch((e: unknown) => e)) as ActorDiedError;
    expect(err).toBeInstanceOf(ActorDiedError);
    expect(err.message).toMatch(/exited|died/);
  });

  it('reports a constructor that throws, with its error, and does not restart it', async () => {
    // Typed as a Counter to make a call; the constructor throws before any method could run.
    const broken = cluster.actor<typeof actors.Counter>(ACTORS, 'Broken', { maxRestarts: 3 }).remote();
    await expect(broken.ready()).rejects.toBeInstanceOf(ActorDiedError);
    const err = (await cluster.get(broken.call('increment', 1)).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('config file missing');
  });

  it('moves an actor to another node when its node is killed', async () => {
    const extra = await t.local.addWorker({ numCpus: 1, resources: { victim: 1 } });
    const counter = cluster.actor<typeof actors.Counter>(ACTORS, 'Counter', { maxRestarts: 1 }).remote(5);
    expect(await cluster.get(counter.call('increment', 1))).toBe(6);
    const nodeOf = async () => (await cluster.get(counter.call('env', 'CONVOY_NODE_ID')))!;
    const before = await nodeOf();
    const victim = t.local.workers.find((w) => w.nodeId === before)!;
    victim.child.kill('SIGKILL');
    // The restarted instance starts from its constructor arguments again.
    expect(await cluster.get(counter.call('increment', 1))).toBe(6);
    expect(await nodeOf()).not.toBe(before);
    await eventually(async () => (await cluster.status()).nodes.some((n) => n.nodeId === before && n.state === 'dead'));
    void extra;
  });
});
