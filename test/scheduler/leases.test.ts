import { describe, expect, it } from 'vitest';
import { scheduleDemands, type Demand, type Holding } from '../../scheduler/leases.ts';
import type { NodeView } from '../../scheduler/placement/index.ts';

const node = (nodeId: string, cpu: number, available = cpu): NodeView => ({ nodeId, alive: true, total: { cpu }, available: { cpu: available } });
const demand = (id: string, clientId: string, remaining: number, resources = { cpu: 1 }): Demand => ({
  id,
  clientId,
  resources,
  remaining,
  strategy: 'pack',
  preferredNodes: [],
  actor: false,
});

describe('lease scheduling', () => {
  it('grants as many leases as fit, first come first served', () => {
    const out = scheduleDemands([demand('d1', 'c1', 3), demand('d2', 'c2', 3)], [node('a', 2), node('b', 2)], []);
    expect(out.grants.filter((g) => g.demandId === 'd1')).toHaveLength(3);
    expect(out.grants.filter((g) => g.demandId === 'd2')).toHaveLength(1);
    expect(out.waiting.has('d2')).toBe(true);
  });

  it('does not let a blocked shape hold back a later one (no head-of-line blocking)', () => {
    const out = scheduleDemands([demand('big', 'c1', 1, { cpu: 4 } as { cpu: number }), demand('small', 'c2', 1)], [node('a', 4, 2)], []);
    expect(out.waiting.has('big')).toBe(true);
    expect(out.grants).toEqual([{ demandId: 'small', nodeId: 'a' }]);
  });

  it('keeps infeasible demands apart from waiting ones', () => {
    const out = scheduleDemands([{ ...demand('gpu', 'c1', 1), resources: { gpu: 1 } }], [node('a', 4)], []);
    expect(out.infeasible.get('gpu')).toMatch(/gpu/);
    expect(out.waiting.size).toBe(0);
  });

  it('revokes leases from a client holding more than its share when another waits', () => {
    const holdings: Holding[] = ['l1', 'l2', 'l3', 'l4'].map((leaseId, i) => ({
      leaseId,
      clientId: 'hog',
      nodeId: i < 2 ? 'a' : 'b',
      resources: { cpu: 1 },
      actor: false,
      revoking: false,
    }));
    const out = scheduleDemands([demand('d', 'newcomer', 4)], [node('a', 2, 0), node('b', 2, 0)], holdings);
    expect(out.revoke).toHaveLength(1);
    expect(holdings.map((h) => h.leaseId)).toContain(out.revoke[0]);
  });

  it('converges to equal shares: no revocation once both hold the same', () => {
    const holdings: Holding[] = [
      { leaseId: 'l1', clientId: 'c1', nodeId: 'a', resources: { cpu: 1 }, actor: false, revoking: false },
      { leaseId: 'l2', clientId: 'c2', nodeId: 'a', resources: { cpu: 1 }, actor: false, revoking: false },
    ];
    const out = scheduleDemands([demand('d1', 'c1', 5), demand('d2', 'c2', 5)], [node('a', 2, 0)], holdings);
    expect(out.revoke).toEqual([]);
  });

  it('takes back a lease first from a client that wants no more leases, whatever its share', () => {
    const holdings: Holding[] = [
      { leaseId: 'busy', clientId: 'c1', nodeId: 'a', resources: { cpu: 1 }, actor: false, revoking: false },
      { leaseId: 'idle', clientId: 'c2', nodeId: 'a', resources: { cpu: 1 }, actor: false, revoking: false },
    ];
    // c1 still has a backlog (a demand); c2 has none, so its lease is idle or draining: that one goes back.
    const out = scheduleDemands([demand('d1', 'c1', 3), demand('d3', 'c3', 1)], [node('a', 2, 0)], holdings);
    expect(out.revoke).toEqual(['idle']);
  });

  it('never revokes actor leases or leases already being revoked', () => {
    const holdings: Holding[] = [
      { leaseId: 'actor', clientId: 'c1', nodeId: 'a', resources: { cpu: 1 }, actor: true, revoking: false },
      { leaseId: 'going', clientId: 'c1', nodeId: 'a', resources: { cpu: 1 }, actor: false, revoking: true },
    ];
    const out = scheduleDemands([demand('d', 'c2', 1)], [node('a', 2, 0)], holdings);
    expect(out.revoke).toEqual([]);
  });

  it('grants nothing on a node not back since a head restart, and a demand only it could run waits for it', () => {
    const away: NodeView = { ...node('old', 8), away: true };
    const out = scheduleDemands([demand('d1', 'c1', 3), demand('big', 'c2', 1, { cpu: 8 } as { cpu: number })], [away, node('new', 2)], []);
    expect(out.grants).toEqual([
      { demandId: 'd1', nodeId: 'new' },
      { demandId: 'd1', nodeId: 'new' },
    ]);
    expect(out.infeasible.size).toBe(0);
    expect(out.waiting.get('big')).toBe('waiting for node(s) old to come back after the head restarted');
    // Back (it spoke to the head): it takes leases again.
    const back = scheduleDemands([demand('big', 'c2', 1, { cpu: 8 } as { cpu: number })], [node('old', 8), node('new', 2)], []);
    expect(back.grants).toEqual([{ demandId: 'big', nodeId: 'old' }]);
  });
});
