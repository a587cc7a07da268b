import { describe, expect, it } from 'vitest';
import type { ClusterStatus, FeedEvent, NodeStatus } from '../../cluster/api/head-api.ts';
import { MAX_NODES, NodeSeriesRecorder } from '../../cluster/head/node-series.ts';

function node(nodeId: string, over: Partial<NodeStatus> = {}): NodeStatus {
  return {
    nodeId,
    address: `127.0.0.1:${nodeId.length}`,
    state: 'alive',
    total: { cpu: 4, memory: 8e9, gpu: 1 },
    available: { cpu: 1, memory: 6e9, gpu: 1 },
    lastHeartbeat: 0,
    hostname: 'h',
    pid: 1,
    labels: {},
    load: { queuedTasks: 0, runningTasks: 3, storeUsedBytes: 100, storeSpilledBytes: 7, storeObjects: 1, storeBudgetBytes: 1000 },
    ...over,
  };
}

function source(state: { nodes: NodeStatus[]; finished: number; bars: FeedEvent[] }) {
  return {
    status: () => ({ nodes: state.nodes, tasksByState: { finished: state.finished, running: 2 } }) as unknown as ClusterStatus,
    progress: () => state.bars,
  };
}

describe('NodeSeriesRecorder', () => {
  it('reports columns per node and per bar, null where a node or bar was absent', () => {
    const state = { nodes: [node('a')], finished: 5, bars: [] as FeedEvent[] };
    const rec = new NodeSeriesRecorder(source(state), { capacity: 10 });
    rec.sample(1000);
    state.nodes = [node('a'), node('b', { available: { cpu: 4, memory: 8e9, gpu: 0 } })];
    state.finished = 9;
    state.bars = [{ type: 'progress', id: 'collect-x', label: 'collect', done: 40, total: 100, rate: 1, etaS: null, ts: 1 }, { type: 'warning', message: 'w', ts: 2 }];
    rec.sample(2000);
    const r = rec.report();
    expect(r.t).toEqual([1000, 2000]);
    expect(r.tasks.finished).toEqual([5, 9]);
    expect(r.tasks.running).toEqual([2, 2]);
    const a = r.nodes.find((n) => n.nodeId === 'a')!;
    expect(a.cpuUsed).toEqual([3, 3]);
    expect(a.cpuTotal).toEqual([4, 4]);
    expect(a.memoryUsed).toEqual([2e9, 2e9]);
    expect(a.storeSpilledBytes).toEqual([7, 7]);
    const b = r.nodes.find((n) => n.nodeId === 'b')!;
    expect(b.cpuUsed).toEqual([null, 0]);
    expect(b.gpuUsed).toEqual([null, 1]);
    expect(r.progress).toEqual([{ id: 'collect-x', label: 'collect', total: 100, done: [null, 40] }]);
  });

  it('keeps at most capacity samples and MAX_NODES nodes, and skips dead nodes', () => {
    const nodes = Array.from({ length: MAX_NODES + 10 }, (_, i) => node(`n${i}`));
    nodes.unshift(node('gone', { state: 'dead' }));
    const rec = new NodeSeriesRecorder(source({ nodes, finished: 0, bars: [] }), { capacity: 3 });
    for (let i = 0; i < 10; i++) rec.sample(i);
    const r = rec.report();
    expect(r.t).toEqual([7, 8, 9]);
    expect(r.capacity).toBe(3);
    expect(r.nodes).toHaveLength(MAX_NODES);
    expect(r.nodes.map((n) => n.nodeId)).not.toContain('gone');
    expect(r.nodes.every((n) => n.cpuUsed.length === 3)).toBe(true);
  });
});
