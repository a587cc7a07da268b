import { describe, expect, it } from 'vitest';
import { AmbiguousNodeError, IllegalStateError, UnknownNodeError } from '../../cluster/common/errors.ts';
import { silentLogger } from '../../cluster/common/logger.ts';
import { MemoryControlStore } from '../../cluster/head/control/memory-store.ts';
import { LeaseManager } from '../../cluster/head/lease-manager.ts';
import { NodeDrains } from '../../cluster/head/node-drains.ts';
import { NodeTable } from '../../cluster/head/node-table.ts';
import { buildStatus } from '../../cluster/head/status.ts';
import type { Drain } from '../../cluster/proto/generated/convoy/v1/Drain.ts';

const turn = () => new Promise((r) => setImmediate(r));

function setup() {
  const store = new MemoryControlStore();
  const nodes = new NodeTable(store.nodes);
  let now = 1_000_000;
  const revoked: string[] = [];
  const leases = new LeaseManager(nodes, store.leases, { granted: () => undefined, infeasible: () => undefined, revoke: (_c, ids) => revoked.push(...ids) }, silentLogger, () => now);
  const told: { nodeId: string; drain: Drain }[] = [];
  let reachable = true;
  const events: unknown[] = [];
  const drains = new NodeDrains({
    nodes,
    leases,
    tell: (nodeId, drain) => reachable && told.push({ nodeId, drain }) > 0,
    events: { publish: (e) => events.push(e) },
    log: silentLogger,
    now: () => now,
  });
  const register = (nodeId: string, address: string) => nodes.register({ nodeId, address, total: { cpu: 2 }, labels: {}, hostname: 'h', pid: 1 }, now);
  const lease = (leaseId: string, nodeId: string, actor = false) => store.leases.put(leaseId, { leaseId, clientId: 'c', nodeId, resources: { cpu: 1 }, gpuIds: [], actor, revoking: false, grantedAt: now });
  return {
    store, nodes, leases, drains, revoked, told, events, register, lease,
    advance: (ms: number) => (now += ms),
    setReachable: (r: boolean) => (reachable = r),
    status: () => buildStatus({ nodes: nodes.all(), demands: [], leases: leases.leases(), clients: [], retiredCounts: {}, objects: { count: 0, bytes: 0 }, jobs: [], placementGroups: [], startedAt: 0, address: '', httpAddress: '', version: '' }),
  };
}

describe('finding a node by what a person types', () => {
  it('takes an id, a unique prefix of one, or an address; live nodes first', () => {
    const s = setup();
    s.register('node-aa11', '127.0.0.1:5001');
    s.register('node-ab22', '127.0.0.1:5002');
    s.register('node-ab33', '127.0.0.1:5003');
    s.nodes.markDead('node-ab33', 'gone');
    expect(s.nodes.find('node-aa11')).toMatchObject({ kind: 'one', node: { nodeId: 'node-aa11' } });
    expect(s.nodes.find('node-aa')).toMatchObject({ kind: 'one', node: { nodeId: 'node-aa11' } });
    expect(s.nodes.find('127.0.0.1:5002')).toMatchObject({ kind: 'one', node: { nodeId: 'node-ab22' } });
    // node-ab33 is dead: the prefix names the live one.
    expect(s.nodes.find('node-ab')).toMatchObject({ kind: 'one', node: { nodeId: 'node-ab22' } });
    // The exact id of a dead node still names it; a prefix only dead nodes share names them.
    expect(s.nodes.find('node-ab33')).toMatchObject({ kind: 'one', node: { nodeId: 'node-ab33' } });
    expect(s.nodes.find('node-ab3')).toMatchObject({ kind: 'one', node: { nodeId: 'node-ab33' } });
    expect(s.nodes.find('node-')).toMatchObject({ kind: 'many' });
    expect(s.nodes.find('zzz')).toEqual({ kind: 'none' });
    expect(s.nodes.find('')).toEqual({ kind: 'none' });
  });
});

describe('node drains on the head', () => {
  it('revokes the node’s leases (not actors’), waits for them, then tells the node once to go', async () => {
    const s = setup();
    s.register('a', 'h:1');
    s.register('b', 'h:2');
    s.lease('L1', 'a');
    s.lease('L2', 'a', true);
    s.lease('L3', 'b');
    const rec = s.drains.request('a', {});
    expect(rec.draining).toMatchObject({ reason: 'convoy drain' });
    expect(s.events).toEqual([{ type: 'node', nodeId: 'a', state: 'draining', reason: 'convoy drain' }]);
    await turn();
    expect(s.revoked).toEqual(['L1']);
    expect(s.status().nodes.find((n) => n.nodeId === 'a')).toMatchObject({ state: 'draining', drain: { leasesLeft: 1, reason: 'convoy drain' } });
    expect(s.status().nodes.find((n) => n.nodeId === 'b')?.state).toBe('alive');
    s.drains.look();
    expect(s.told).toEqual([]);
    // The lease comes back; the actor lease stays, and does not hold the drain up.
    s.leases.release('c', ['L1']);
    s.drains.look();
    expect(s.told).toEqual([{ nodeId: 'a', drain: { reason: 'convoy drain', hasDeadline: false, graceMs: 0 } }]);
    s.drains.look();
    s.drains.look();
    expect(s.told).toHaveLength(1);
    // The node says it is done.
    expect(s.drains.finished('a', 0)).toBe('drained');
    expect(s.nodes.get('a')?.draining).toBeUndefined();
  });

  it('with a deadline: tells the grace left, and at the deadline tells the node to stop what remains', () => {
    const s = setup();
    s.register('a', 'h:1');
    s.lease('L1', 'a');
    s.drains.request('a', { deadlineS: 10, reason: 'spot preemption' });
    s.drains.look();
    expect(s.told).toEqual([]);
    s.advance(10_000);
    s.drains.look();
    expect(s.told).toEqual([{ nodeId: 'a', drain: { reason: 'spot preemption', hasDeadline: true, graceMs: 0 } }]);
    expect(s.drains.finished('a', 2)).toMatch(/^drained: 2 task\(s\) or actor call\(s\) still running were stopped/);
  });

  it('a drain asked again sets the new deadline and tells the node again; one asked while the node has no session is told later', () => {
    const s = setup();
    s.register('a', 'h:1');
    s.setReachable(false);
    s.drains.request('a', {});
    expect(s.told).toEqual([]);
    s.setReachable(true);
    s.drains.look();
    expect(s.told.map((x) => x.drain)).toEqual([{ reason: 'convoy drain', hasDeadline: false, graceMs: 0 }]);
    const since = s.nodes.get('a')!.draining!.since;
    s.advance(1000);
    s.drains.request('a', { deadlineS: 5 });
    expect(s.nodes.get('a')!.draining).toEqual({ since, deadline: since + 1000 + 5000, reason: 'convoy drain' });
    expect(s.told.map((x) => x.drain)).toEqual([
      { reason: 'convoy drain', hasDeadline: false, graceMs: 0 },
      { reason: 'convoy drain', hasDeadline: true, graceMs: 5000 },
    ]);
    expect(s.events).toHaveLength(1);
  });

  it('keeps a drain across the node registering again, and a drained node registering anew starts fresh', () => {
    const s = setup();
    s.register('a', 'h:1');
    s.drains.request('a', {});
    s.register('a', 'h:1');
    expect(s.nodes.get('a')?.draining).toBeDefined();
    s.drains.finished('a', 0);
    s.nodes.markDead('a', 'drained');
    s.register('a', 'h:1');
    expect(s.nodes.get('a')?.draining).toBeUndefined();
  });

  it('refuses unknown, ambiguous and dead nodes, naming them; a drained node is answered as it is', () => {
    const s = setup();
    s.register('node-a1', 'h:1');
    s.register('node-a2', 'h:2');
    s.register('node-b1', 'h:3');
    expect(() => s.drains.request('x', {})).toThrow(UnknownNodeError);
    expect(() => s.drains.request('x', {})).toThrow(/no node matches "x".*convoy status/);
    expect(() => s.drains.request('node-a', {})).toThrow(AmbiguousNodeError);
    expect(() => s.drains.request('node-a', {})).toThrow(/"node-a" matches 2 nodes \(node-a1, node-a2\)/);
    s.nodes.markDead('node-b1', 'no heartbeat for 10000 ms');
    expect(() => s.drains.request('node-b1', {})).toThrow(IllegalStateError);
    expect(() => s.drains.request('node-b1', {})).toThrow(/node node-b1 is dead already \(no heartbeat/);
    s.drains.request('node-a1', {});
    s.drains.finished('node-a1', 0);
    s.nodes.markDead('node-a1', 'drained');
    expect(s.drains.request('node-a1', {})).toMatchObject({ alive: false, deadReason: 'drained' });
  });
});
