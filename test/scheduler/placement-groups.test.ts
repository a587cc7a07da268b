// Placement groups' decisions: each strategy places, waits or refuses as Ray's do, all or nothing, never on a
// draining or away node; and on random clusters every placement respects the nodes' free resources and the
// strategy's rule.
import { describe, expect, it } from 'vitest';
import { GROUP_STRATEGIES, placeGroup, type GroupStrategy } from '../../scheduler/placement-groups.ts';
import type { NodeView } from '../../scheduler/placement/types.ts';
import { add, fits, type ResourceVector } from '../../scheduler/resources.ts';
import { mulberry32 } from '../../scheduler/random.ts';

const node = (nodeId: string, total: ResourceVector, available: ResourceVector = total, extra: Partial<NodeView> = {}): NodeView => ({ nodeId, alive: true, total, available, ...extra });
const cpu = (n: number) => ({ cpu: n });

describe('placeGroup', () => {
  const cluster = [node('a', cpu(4)), node('b', cpu(4)), node('c', cpu(2))];

  it('STRICT_PACK puts every bundle on one node, the roomiest that fits', () => {
    expect(placeGroup({ bundles: [cpu(1), cpu(2)], strategy: 'STRICT_PACK' }, cluster)).toEqual({ kind: 'placed', nodes: ['a', 'a'] });
    expect(placeGroup({ bundles: [cpu(3), cpu(2)], strategy: 'STRICT_PACK' }, cluster)).toMatchObject({ kind: 'infeasible', reason: expect.stringMatching(/STRICT_PACK needs one node with \{cpu: 5\}; add such a node or use PACK$/) });
  });

  it('PACK uses one node when the group fits, else as few as it can', () => {
    expect(placeGroup({ bundles: [cpu(2), cpu(2)], strategy: 'PACK' }, cluster)).toEqual({ kind: 'placed', nodes: ['a', 'a'] });
    const split = placeGroup({ bundles: [cpu(3), cpu(3)], strategy: 'PACK' }, cluster);
    expect(split.kind).toBe('placed');
    expect(new Set((split as unknown as { nodes: string[] }).nodes)).toEqual(new Set(['a', 'b']));
  });

  it('STRICT_SPREAD puts each bundle on its own node, searching when a greedy choice would block', () => {
    // The 2-CPU bundle must not take a 4-CPU node, or one 4-CPU bundle is left without one.
    const nodes = [node('small', cpu(2)), node('big1', cpu(4)), node('big2', cpu(4))];
    const p = placeGroup({ bundles: [cpu(2), cpu(4), cpu(4)], strategy: 'STRICT_SPREAD' }, nodes);
    expect(p).toEqual({ kind: 'placed', nodes: ['small', expect.stringMatching(/^big/), expect.stringMatching(/^big/)] });
    expect(new Set((p as unknown as { nodes: string[] }).nodes).size).toBe(3);
    expect(placeGroup({ bundles: [cpu(1), cpu(1), cpu(1), cpu(1)], strategy: 'STRICT_SPREAD' }, cluster)).toMatchObject({
      kind: 'infeasible',
      reason: expect.stringMatching(/STRICT_SPREAD needs 4 different nodes, and only 3 node\(s\) can hold a bundle; add nodes or use SPREAD/),
    });
  });

  it('SPREAD prefers different nodes and shares one only when it must', () => {
    expect(new Set((placeGroup({ bundles: [cpu(1), cpu(1), cpu(1)], strategy: 'SPREAD' }, cluster) as unknown as { nodes: string[] }).nodes).size).toBe(3);
    const four = placeGroup({ bundles: [cpu(1), cpu(1), cpu(1), cpu(1)], strategy: 'SPREAD' }, cluster);
    expect(four.kind).toBe('placed');
    expect(new Set((four as unknown as { nodes: string[] }).nodes).size).toBe(3);
  });

  it('waits, all or nothing, while the resources exist but are busy, and names the group', () => {
    const busy = [node('a', cpu(4), cpu(1)), node('b', cpu(4), cpu(1))];
    expect(placeGroup({ bundles: [cpu(2), cpu(2)], strategy: 'SPREAD' }, busy)).toEqual({
      kind: 'wait',
      reason: expect.stringMatching(/^waiting for resources to free up for 2 bundle\(s\) SPREAD \(\{cpu: 2\}, \{cpu: 2\}\)$/),
    });
  });

  it('never places on a draining, away or dead node', () => {
    const nodes = [node('drain', cpu(8), cpu(8), { draining: true }), node('away', cpu(8), cpu(8), { away: true }), node('dead', cpu(8), cpu(8), { alive: false }), node('ok', cpu(2))];
    expect(placeGroup({ bundles: [cpu(2)], strategy: 'PACK' }, nodes)).toEqual({ kind: 'placed', nodes: ['ok'] });
    expect(placeGroup({ bundles: [cpu(4)], strategy: 'PACK' }, nodes)).toMatchObject({ kind: 'infeasible', reason: expect.stringMatching(/no node can hold the bundle \{cpu: 4\}$/) });
    expect(placeGroup({ bundles: [], strategy: 'PACK' }, nodes)).toMatchObject({ kind: 'infeasible' });
  });

  it('on random clusters, every placement fits the free resources and keeps the strategy rule', () => {
    const random = mulberry32(42);
    const int = (n: number) => Math.floor(random() * n);
    let placed = 0;
    for (let round = 0; round < 2000; round++) {
      const nodes = Array.from({ length: 1 + int(5) }, (_, i) => {
        const total = { cpu: 1 + int(8), gpu: int(3) };
        return node(`n${i}`, total, { cpu: int(total.cpu + 1), gpu: int(total.gpu + 1) });
      });
      const bundles = Array.from({ length: 1 + int(4) }, () => ({ cpu: 1 + int(3), ...(random() < 0.3 ? { gpu: 1 } : {}) }));
      const strategy = GROUP_STRATEGIES[int(4)] as GroupStrategy;
      const p = placeGroup({ bundles, strategy }, nodes);
      if (p.kind !== 'placed') continue;
      placed++;
      expect(p.nodes).toHaveLength(bundles.length);
      const used = new Map<string, ResourceVector>();
      p.nodes.forEach((id, i) => used.set(id, add(used.get(id) ?? {}, bundles[i]!)));
      for (const [id, v] of used) expect(fits(v, nodes.find((n) => n.nodeId === id)!.available)).toBe(true);
      if (strategy === 'STRICT_PACK') expect(used.size).toBe(1);
      if (strategy === 'STRICT_SPREAD') expect(used.size).toBe(bundles.length);
    }
    expect(placed).toBeGreaterThan(200);
  });
});
