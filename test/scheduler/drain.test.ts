import { describe, expect, it } from 'vitest';
import { drainRevocations, scheduleDemands, type Demand, type Holding } from '../../scheduler/leases.ts';
import { drainStep } from '../../scheduler/drain.ts';
import type { NodeView } from '../../scheduler/placement/index.ts';

type NodeState = 'alive' | 'draining' | 'dead';
const STATES: NodeState[] = ['alive', 'draining', 'dead'];

const node = (nodeId: string, state: NodeState, cpu = 2, available = cpu): NodeView => ({
  nodeId,
  alive: state !== 'dead',
  draining: state === 'draining',
  total: { cpu },
  available: { cpu: available },
});
const demand = (id: string, clientId: string, remaining: number, over: Partial<Demand> = {}): Demand => ({
  id,
  clientId,
  resources: { cpu: 1 },
  remaining,
  strategy: 'pack',
  preferredNodes: [],
  actor: false,
  ...over,
});
const holding = (leaseId: string, nodeId: string, over: Partial<Holding> = {}): Holding => ({
  leaseId,
  clientId: 'c1',
  nodeId,
  resources: { cpu: 1 },
  actor: false,
  revoking: false,
  ...over,
});

/** Every lease kind on a node: plain, actor, already revoking, actor and revoking. */
function holdingsOn(nodeId: string): Holding[] {
  return [
    holding(`${nodeId}-plain`, nodeId),
    holding(`${nodeId}-actor`, nodeId, { actor: true }),
    holding(`${nodeId}-revoking`, nodeId, { revoking: true }),
    holding(`${nodeId}-actor-revoking`, nodeId, { actor: true, revoking: true }),
  ];
}

describe('lease decisions with draining nodes', () => {
  // Every combination of two nodes' states, with and without free room, preferred or not, pack or spread.
  const cases: { a: NodeState; b: NodeState; freeA: number; freeB: number; strategy: 'pack' | 'spread'; prefer: string[] }[] = [];
  for (const a of STATES)
    for (const b of STATES)
      for (const freeA of [0, 2])
        for (const freeB of [0, 2])
          for (const strategy of ['pack', 'spread'] as const) for (const prefer of [[], ['a'], ['b']]) cases.push({ a, b, freeA, freeB, strategy, prefer });

  it.each(cases)('nodes a=$a (free $freeA), b=$b (free $freeB), $strategy, prefer $prefer', ({ a, b, freeA, freeB, strategy, prefer }) => {
    const nodes = [node('a', a, 2, freeA), node('b', b, 2, freeB)];
    const holdings = [...holdingsOn('a'), ...holdingsOn('b')];
    const out = scheduleDemands([demand('d', 'c2', 3, { strategy, preferredNodes: prefer })], nodes, holdings);

    // No new lease ever lands on a draining (or dead) node.
    for (const g of out.grants) expect(nodes.find((n) => n.nodeId === g.nodeId)).toMatchObject({ alive: true, draining: false });
    // Grants fill exactly the free room of the schedulable nodes.
    const room = (a === 'alive' ? freeA : 0) + (b === 'alive' ? freeB : 0);
    expect(out.grants).toHaveLength(Math.min(3, room));

    // Every plain lease on a draining node is revoked, once; actor leases and leases already coming back never are.
    for (const n of nodes) {
      if (n.draining && n.alive) expect(out.revoke).toContain(`${n.nodeId}-plain`);
      if (!n.alive) expect(out.revoke).not.toContain(`${n.nodeId}-plain`);
      expect(out.revoke).not.toContain(`${n.nodeId}-actor`);
      expect(out.revoke).not.toContain(`${n.nodeId}-revoking`);
      expect(out.revoke).not.toContain(`${n.nodeId}-actor-revoking`);
    }
    expect(new Set(out.revoke).size).toBe(out.revoke.length);


    // The demand is infeasible only when no schedulable node could ever run it; it names the draining nodes
    // that could.
    const schedulable = nodes.filter((n) => n.alive && !n.draining);
    if (schedulable.length === 0) {
      expect(out.infeasible.has('d')).toBe(true);
      const draining = nodes.filter((n) => n.alive && n.draining).map((n) => n.nodeId);
      if (draining.length) expect(out.infeasible.get('d')).toMatch(new RegExp(`only draining node\\(s\\) ${draining.join(', ')} can provide`));
      else expect(out.infeasible.get('d')).toMatch(/no live nodes/);
    } else {
      expect(out.infeasible.size).toBe(0);
      expect(out.waiting.has('d')).toBe(room < 3);
    }
  });

  it('revokes on a draining node even when no demand waits', () => {
    const out = scheduleDemands([], [node('a', 'draining'), node('b', 'alive')], [...holdingsOn('a'), ...holdingsOn('b')]);
    expect(out.revoke).toEqual(['a-plain']);
    expect(drainRevocations([node('a', 'draining'), node('b', 'alive')], [...holdingsOn('a'), ...holdingsOn('b')])).toEqual(['a-plain']);
  });

  it('revokes every client’s plain leases on a draining node, and none elsewhere', () => {
    const holdings = [holding('x1', 'a', { clientId: 'x' }), holding('y1', 'a', { clientId: 'y' }), holding('y2', 'b', { clientId: 'y' })];
    expect(drainRevocations([node('a', 'draining'), node('b', 'alive')], holdings).sort()).toEqual(['x1', 'y1']);
    expect(drainRevocations([node('a', 'alive'), node('b', 'alive')], holdings)).toEqual([]);
    // A dead node's leases vanish with it: nothing to revoke.
    expect(drainRevocations([{ ...node('a', 'dead'), draining: true }], holdings)).toEqual([]);
  });

  it('does not take a fair share from another node to make room that only a draining node has', () => {
    // c2 waits; the hog holds leases on a (full, alive) and on b (draining): only b's plain lease is revoked,
    // by the drain, and the fair share still takes one from the hog on a.
    const holdings = [holding('a1', 'a', { clientId: 'hog' }), holding('a2', 'a', { clientId: 'hog' }), holding('b1', 'b', { clientId: 'hog' })];
    const out = scheduleDemands([demand('d', 'c2', 1)], [node('a', 'alive', 2, 0), node('b', 'draining', 1, 0)], holdings);
    expect(out.grants).toEqual([]);
    expect(out.revoke).toContain('b1');
    expect(out.revoke.filter((id) => id.startsWith('a'))).toHaveLength(1);
  });

  it('places on a preferred node only when it is not draining', () => {
    const out = scheduleDemands([demand('d', 'c', 1, { preferredNodes: ['a'] })], [node('a', 'draining'), node('b', 'alive')], []);
    expect(out.grants).toEqual([{ demandId: 'd', nodeId: 'b' }]);
  });
});

describe('drain steps', () => {
  const since = 1000;
  // Every combination: no deadline, a deadline ahead, at it, past it; leases left or none.
  for (const deadline of [undefined, 5000]) {
    for (const now of [1000, 4999, 5000, 9000]) {
      for (const leasesLeft of [0, 1, 7]) {
        it(`deadline ${deadline ?? 'none'}, now ${now}, ${leasesLeft} lease(s) left`, () => {
          const step = drainStep({ since, deadline }, leasesLeft, now);
          if (deadline !== undefined && now >= deadline) expect(step).toEqual({ kind: 'stop' });
          else if (leasesLeft > 0) expect(step).toEqual({ kind: 'wait-for-leases', leasesLeft });
          else if (deadline === undefined) expect(step).toEqual({ kind: 'release' });
          else expect(step).toEqual({ kind: 'release', graceMs: deadline - now });
        });
      }
    }
  }

  it('a deadline of zero stops at once, whatever is left', () => {
    expect(drainStep({ since, deadline: since }, 3, since)).toEqual({ kind: 'stop' });
    expect(drainStep({ since, deadline: since }, 0, since)).toEqual({ kind: 'stop' });
  });
});
