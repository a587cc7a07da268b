import { describe, expect, it } from 'vitest';
import { place, pack, spread, locality, type NodeView } from '../../scheduler/placement/index.ts';

const node = (nodeId: string, total: Record<string, number>, available = total, alive = true): NodeView => ({ nodeId, total, available, alive });

describe('placement', () => {
  const nodes = [
    node('a', { cpu: 4 }, { cpu: 1 }), // busy
    node('b', { cpu: 4 }, { cpu: 4 }), // idle
    node('c', { cpu: 4, gpu: 1 }, { cpu: 3, gpu: 1 }),
  ];

  it('pack picks the busiest node that still fits', () => {
    expect(pack({ cpu: 1 }, nodes)).toMatchObject({ kind: 'placed', nodeId: 'a' });
    expect(pack({ cpu: 2 }, nodes)).toMatchObject({ nodeId: 'c' });
  });

  it('spread picks the least busy node and rotates between equals', () => {
    expect(spread({ cpu: 1 }, nodes)).toMatchObject({ kind: 'placed', nodeId: 'b' });
    const equal = [node('x', { cpu: 2 }), node('y', { cpu: 2 }), node('z', { cpu: 2 })];
    const picks = [0, 1, 2, 3].map((r) => spread({ cpu: 1 }, equal, r)!.kind === 'placed' && (spread({ cpu: 1 }, equal, r) as { nodeId: string }).nodeId);
    expect(picks).toEqual(['x', 'y', 'z', 'x']);
  });

  it('locality prefers a node holding the arguments when it fits, else falls back', () => {
    expect(place({ resources: { cpu: 1 }, strategy: 'spread', preferredNodes: ['a'] }, nodes)).toMatchObject({ nodeId: 'a', reason: 'locality' });
    expect(place({ resources: { cpu: 2 }, strategy: 'spread', preferredNodes: ['a'] }, nodes)).toMatchObject({ nodeId: 'b', reason: 'spread' });
    expect(locality({ cpu: 1 }, nodes, ['missing'])).toBeUndefined();
  });

  it('says wait when the resources exist but are busy', () => {
    const full = [node('a', { cpu: 2 }, { cpu: 0 })];
    expect(place({ resources: { cpu: 1 }, strategy: 'pack' }, full)).toMatchObject({ kind: 'wait' });
  });

  it('says infeasible, naming the shortfall, when no live node could ever run it', () => {
    const p = place({ resources: { cpu: 1, gpu: 2 }, strategy: 'pack' }, nodes);
    expect(p.kind).toBe('infeasible');
    expect(p.kind === 'infeasible' && p.reason).toMatch(/gpu: 2 > 1/);
    const dead = [node('g', { cpu: 8, gpu: 8 }, { cpu: 8, gpu: 8 }, false)];
    expect(place({ resources: { gpu: 1 }, strategy: 'pack' }, dead)).toMatchObject({ kind: 'infeasible' });
    expect(place({ resources: { cpu: 1 }, strategy: 'pack' }, [])).toMatchObject({ kind: 'infeasible', reason: expect.stringMatching(/no live nodes/) });
  });

  it('never places on a dead node', () => {
    const ns = [node('dead', { cpu: 8 }, { cpu: 8 }, false), node('live', { cpu: 1 })];
    for (const strategy of ['pack', 'spread'] as const) {
      expect(place({ resources: { cpu: 1 }, strategy }, ns)).toMatchObject({ nodeId: 'live' });
    }
  });

  it('places every feasible request somewhere that fits (exhaustive over small clusters)', () => {
    const amounts = [0, 0.5, 1, 2];
    for (const a of amounts) for (const b of amounts) for (const req of [0.5, 1, 2]) for (const strategy of ['pack', 'spread'] as const) {
      const ns = [node('a', { cpu: 2 }, { cpu: a }), node('b', { cpu: 2 }, { cpu: b })];
      const p = place({ resources: { cpu: req }, strategy }, ns);
      const anyFits = a >= req || b >= req;
      if (anyFits) {
        expect(p.kind).toBe('placed');
        const chosen = p.kind === 'placed' ? p.nodeId : '';
        expect((chosen === 'a' ? a : b) >= req).toBe(true);
      } else expect(p.kind).toBe('wait');
    }
  });
});
