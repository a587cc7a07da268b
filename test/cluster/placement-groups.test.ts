/**
 * Placement groups on a real cluster (a head and two worker processes on loopback): bundles reserved all or
 * nothing, work placed into a bundle runs on its node, a group that cannot be placed waits with a reason in
 * status, and removing a group (or its owner closing) gives its resources back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlacementGroupRemovedError, PlacementGroupTimeoutError, connect, type Cluster } from '../../cluster/client/index.ts';
import type { ClusterStatus, PlacementGroupInfo } from '../../cluster/api/head-api.ts';
import { runConvoy } from '../helpers/cli.ts';
import { startTestCluster, eventually, TASKS, type TestCluster } from '../helpers/cluster.ts';
import type * as basic from '../fixtures/tasks/basic.ts';
import type * as actors from '../fixtures/tasks/actors.ts';

const ACTORS = new URL('../fixtures/tasks/actors.ts', import.meta.url);
let t: TestCluster;
let cluster: Cluster;

beforeAll(async () => {
  t = await startTestCluster({ workers: 2, cpusPerWorker: 2 });
  cluster = t.cluster;
});
afterAll(async () => t?.stop());

async function api<T>(path: string, method = 'GET'): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://${t.local.httpAddress}${path}`, { method, headers: { authorization: `Bearer ${t.local.token}` } });
  return { status: res.status, body: (await res.json()) as T };
}

const convoy = (args: string[]) => runConvoy(args, { CONVOY_TOKEN: t.local.token });

const groups = async () => (await api<PlacementGroupInfo[]>('/api/placement-groups')).body;
const status = async () => (await api<ClusterStatus>('/api/status')).body;

describe('placement groups', () => {
  it('STRICT_SPREAD puts one bundle on each node, and a task in bundle i runs on bundle i’s node', async () => {
    const pg = cluster.placementGroup({ bundles: [{ cpu: 1 }, { cpu: 1 }], strategy: 'STRICT_SPREAD', name: 'ranks' });
    await pg.ready({ timeoutMs: 30_000 });
    expect(pg.state).toBe('CREATED');
    const [n0, n1] = pg.bundleNodes;
    expect(n0).toBeTruthy();
    expect(n1).toBeTruthy();
    expect(n0).not.toBe(n1);

    const where = cluster.task<typeof basic.sleepWhere>(TASKS, 'sleepWhere');
    const ran = await cluster.get([0, 1, 0, 1].map((i) => where.options({ placementGroup: pg, bundleIndex: i }).remote(5, i)));
    expect(ran.map((r) => r.nodeId)).toEqual([n0, n1, n0, n1]);

    const listed = (await groups()).find((g) => g.groupId === pg.id)!;
    expect(listed).toMatchObject({ name: 'ranks', state: 'CREATED', strategy: 'STRICT_SPREAD', nodes: [n0, n1], infeasible: false });
    // The bundles' CPUs are held: each node shows one of its two CPUs in use, with no task running.
    await eventually(async () => (await status()).nodes.every((n) => n.available.cpu === 1), 20_000, 'bundles reserved');

    pg.remove();
    await expect(pg.ready()).rejects.toBeInstanceOf(PlacementGroupRemovedError);
    await eventually(async () => !(await groups()).some((g) => g.groupId === pg.id), 20_000, 'group removed');
    await eventually(async () => (await status()).nodes.every((n) => n.available.cpu === 2), 20_000, 'bundles released');
  });

  it('is all or nothing: a group the free CPUs cannot hold waits, with its reason in status, until another is removed', async () => {
    const first = cluster.placementGroup({ bundles: [{ cpu: 2 }, { cpu: 1 }], strategy: 'SPREAD' });
    await first.ready({ timeoutMs: 30_000 });
    // 1 CPU is left in the cluster: none of the second group's bundles is reserved while it waits.
    const second = cluster.placementGroup({ bundles: [{ cpu: 1 }, { cpu: 1 }], strategy: 'PACK', name: 'waits' });
    const early = await second.ready({ timeoutMs: 500 }).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(PlacementGroupTimeoutError);
    expect((early as Error).message).toContain('waiting for resources to free up');
    await eventually(async () => (await groups()).find((g) => g.groupId === second.id)?.state === 'PENDING', 20_000, 'second pending');
    const pending = (await groups()).find((g) => g.groupId === second.id)!;
    expect(pending.nodes).toEqual(['', '']);
    expect(pending.reason).toContain('waiting for resources to free up');
    expect((await status()).resources.used.cpu).toBe(3);

    first.remove();
    await second.ready({ timeoutMs: 30_000 });
    expect(second.bundleNodes[0]).toBe(second.bundleNodes[1]); // PACK: both on one node when it fits
    second.remove();
  });

  it('an actor placed in a bundle lives on its node; a request no bundle can hold is refused with the reason', async () => {
    const pg = cluster.placementGroup({ bundles: [{ cpu: 1 }], strategy: 'STRICT_PACK' });
    await pg.ready({ timeoutMs: 30_000 });
    const counter = cluster.actor<typeof actors.Counter>(ACTORS, 'Counter', { cpu: 1, placementGroup: pg, bundleIndex: 0 }).remote();
    expect(await cluster.get(counter.call('increment', 2))).toBe(2);
    await eventually(async () => (await groups()).find((g) => g.groupId === pg.id)?.leases === 1, 20_000, 'actor lease in the bundle');

    const tooBig = cluster.task<typeof basic.sleepWhere>(TASKS, 'sleepWhere', { cpu: 2, placementGroup: pg.id, bundleIndex: 0 }).remote(1, 'x');
    await eventually(async () => (await status()).pending.some((p) => p.infeasible && p.reason.includes('does not fit')), 20_000, 'infeasible demand listed');
    cluster.cancel(tooBig);
    counter.kill();
    pg.remove();
  });

  it('an infeasible group is a warning in status; a group goes when the client that made it closes', async () => {
    const other = await connect(t.local.address, { token: t.local.token });
    const never = other.placementGroup({ bundles: [{ cpu: 1 }, { cpu: 1 }, { cpu: 1 }], strategy: 'STRICT_SPREAD' });
    await eventually(async () => (await status()).warnings.some((w) => w.includes(never.id) && w.includes('STRICT_SPREAD needs 3 different nodes')), 20_000, 'warning');
    const held = other.placementGroup({ bundles: [{ cpu: 1 }] });
    await held.ready({ timeoutMs: 30_000 });
    await other.close();
    await expect(held.ready()).rejects.toBeInstanceOf(PlacementGroupRemovedError);
    await eventually(async () => (await groups()).every((g) => g.groupId !== held.id && g.groupId !== never.id), 20_000, 'owner gone');
    await eventually(async () => (await status()).nodes.every((n) => n.available.cpu === 2), 20_000, 'released');
  });

  it('convoy placement-groups lists a group with its reason, and remove gives it back', { timeout: 120_000 }, async () => {
    const pg = cluster.placementGroup({ bundles: [{ cpu: 1 }, { cpu: 1 }, { cpu: 1 }], strategy: 'STRICT_SPREAD', name: 'cli' });
    await eventually(async () => (await groups()).find((g) => g.groupId === pg.id)?.infeasible === true, 20_000, 'infeasible');
    const listed = await convoy(['placement-groups', '--address', t.local.address]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(pg.id);
    expect(listed.stdout).toContain('PENDING (infeasible)');
    const removed = await convoy(['placement-groups', 'remove', pg.id, '--address', t.local.address]);
    expect(removed.stderr + removed.stdout).toContain('removed placement group');
    expect(removed.code).toBe(0);
    await expect(pg.ready()).rejects.toBeInstanceOf(PlacementGroupRemovedError);
    const again = await convoy(['placement-groups', 'remove', pg.id, '--address', t.local.address]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`no placement group ${pg.id}`);
  });

  it('refuses bad options at the call, and removing an unknown group over HTTP is a 404 that says how to list them', async () => {
    expect(() => cluster.placementGroup({ bundles: [] })).toThrow(/bundles/);
    expect(() => cluster.placementGroup({ bundles: [{ cpu: 1 }], strategy: 'TIGHT' as never })).toThrow(/strategy/);
    expect(() => cluster.placementGroup({ bundles: [{}] })).toThrow(/bundle 0 asks for no resources/);
    expect(() => cluster.task(TASKS, 'sleepWhere', { bundleIndex: 0 }).remote(1, 1)).toThrow(/bundleIndex needs placementGroup/);
    const r = await api<{ error: string }>('/api/placement-groups/PGnope/remove', 'POST');
    expect(r.status).toBe(404);
    expect(r.body.error).toContain('convoy placement-groups');
  });
});
