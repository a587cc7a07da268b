/** The head's proto conversions come in pairs: what one side compiles, the other decompiles unchanged. */
import { describe, expect, it } from 'vitest';
import { TUNE_CURVE_POINTS, type ClusterStatus, type NodeLoad, type TuneRunSummary } from '../../cluster/api/head-api.ts';
import {
  compileClusterStatus,
  compileLease,
  compileLeaseRequest,
  compileNodeLoad,
  compileNodeRegistration,
  compileProgress,
  compileTaskCounts,
  compileTaskEvents,
  compileTuneReport,
  decompileClusterStatus,
  decompileLease,
  decompileLeaseRequest,
  decompileNodeLoad,
  decompileNodeRegistration,
  decompileProgress,
  decompileTaskCounts,
  decompileTaskEvents,
  type TaskEvent,
  decompileTuneReport,
} from '../../cluster/proto/convert.ts';

// The generated __Output types differ from the input types only in optionality; a message that went over
// the wire has every field, which is what these casts stand for.
const wire = <T>(m: unknown): T => JSON.parse(JSON.stringify(m)) as T;

const load: NodeLoad = { queuedTasks: 1, runningTasks: 2, storeUsedBytes: 300, storeSpilledBytes: 4, storeObjects: 5, storeBudgetBytes: 6000 };

describe('proto conversions', () => {
  it('node registration and load round-trip, and a registration without an address is refused', () => {
    const reg = { nodeId: 'n1', address: '127.0.0.1:7001', total: { cpu: 2, gpu: 1 }, labels: { zone: 'a' }, hostname: 'h', pid: 42 };
    expect(decompileNodeRegistration(wire(compileNodeRegistration(reg)))).toEqual(reg);
    expect(() => decompileNodeRegistration(wire(compileNodeRegistration({ ...reg, address: '' })))).toThrow(/address/);
    expect(() => decompileNodeRegistration(wire(compileNodeRegistration({ ...reg, total: { cpu: -1 } })))).toThrow(/cpu/);
    expect(decompileNodeLoad(wire(compileNodeLoad('n1', load)))).toEqual(load);
  });

  it('lease requests and grants round-trip', () => {
    const demand = { requestId: 7, resources: { cpu: 1 }, count: 3, strategy: 'spread' as const, preferredNodes: ['n2'], actor: true, description: 'f' };
    expect(decompileLeaseRequest(wire(compileLeaseRequest(demand)))).toEqual(demand);
    const lease = { leaseId: 'L1', nodeId: 'n1', address: 'a:1', resources: { gpu: 1 }, gpuIds: [0] };
    expect(decompileLease(wire(compileLease(lease)))).toEqual(lease);
  });

  it('task counts and progress round-trip; an unknown ETA is null and bad extras are dropped', () => {
    expect(decompileTaskCounts(wire(compileTaskCounts({ finished: 3, failed: 1 })))).toEqual({ finished: 3, failed: 1 });
    const p = { id: 'p', label: 'rows', done: 5, total: 10, rate: 2.5, etaS: null, extra: { costUsd: 0.5 } };
    expect(decompileProgress(wire(compileProgress(p)))).toEqual(p);
    expect(decompileProgress(wire({ ...compileProgress(p), etaS: 4, extraJson: '{not json' }))).toEqual({ ...p, etaS: 4, extra: undefined });
  });

  it('status reaches the client as the summary it shows, internal resources left out', () => {
    const status: ClusterStatus = {
      address: 'h:6380',
      httpAddress: 'h:8265',
      version: '0.1.0',
      startedAt: 1000,
      placementGroups: [],
      nodes: [
        { nodeId: 'n1', address: 'a:1', state: 'alive', total: { cpu: 2, _internal: 1 }, available: { cpu: 1 }, lastHeartbeat: 2000, hostname: 'h', pid: 1, labels: {}, load },
        { nodeId: 'n2', address: 'a:2', state: 'dead', total: { cpu: 2 }, available: {}, lastHeartbeat: 1500, hostname: 'h', pid: 2, deadReason: 'gone', labels: {} },
      ],
      resources: { total: { cpu: 2 }, used: { cpu: 1 } },
      tasksByState: { running: 1, finished: 9 },
      pending: [{ clientId: 'c', resources: { gpu: 8 }, count: 2, description: 'train', infeasible: true, reason: 'no GPU', since: 1200 }],
      warnings: [],
      clients: 1,
      leases: 1,
      objects: { count: 3, bytes: 4096 },
      jobs: [],
    };
    expect(decompileClusterStatus(wire(compileClusterStatus(status)))).toEqual({
      nodes: [
        { nodeId: 'n1', address: 'a:1', state: 'alive', total: { cpu: 2 }, available: { cpu: 1 }, deadReason: '', queuedTasks: 1, runningTasks: 2, storeUsedBytes: 300, storeObjects: 5, lastHeartbeat: 2000 },
        { nodeId: 'n2', address: 'a:2', state: 'dead', total: { cpu: 2 }, available: {}, deadReason: 'gone', queuedTasks: 0, runningTasks: 0, storeUsedBytes: 0, storeObjects: 0, lastHeartbeat: 1500 },
      ],
      tasksByState: { running: 1, finished: 9 },
      pending: [{ description: 'train', count: 2, infeasible: true, reason: 'no GPU', resources: { gpu: 8 } }],
      clients: 1,
      leases: 1,
      objects: 3,
      objectBytes: 4096,
    });
  });

  it('a tune report carries each trial\'s learning curve, bounded', () => {
    const run: TuneRunSummary = {
      name: 'grid', jobId: '', metric: 'loss', mode: 'min', status: 'running', startedAt: 1, updatedAt: 2,
      trials: [{ trialId: 'trial_00000', config: { lr: 0.1 }, status: 'running', metrics: { loss: 0.5 }, iterations: 2, curve: [[1, 0.9], [2, 0.5]] }],
    };
    expect(decompileTuneReport(wire(compileTuneReport(run)))).toEqual(run);
    const long = { ...run, trials: [{ ...run.trials[0]!, curve: Array.from({ length: TUNE_CURVE_POINTS + 1 }, (_, i): [number, number] => [i + 1, 1]) }] };
    expect(() => decompileTuneReport(wire(compileTuneReport(long)))).toThrow(/malformed tune report.*curve/);
  });
});

describe('task events', () => {
  it('round-trip, absent times and errors included, and the head drops states no owner sends', () => {
    const running: TaskEvent = { taskId: 'c1.1', name: 'square', state: 'running', nodeId: 'n1', attempt: 0, submittedAt: 1000, startedAt: 1001 };
    const failed: TaskEvent = { ...running, taskId: 'c1.2', state: 'failed', attempt: 2, endedAt: 1500, error: 'TaskError: boom' };
    const wire = compileTaskEvents([running, failed], 4);
    expect(decompileTaskEvents(wire as never)).toEqual({ events: [running, failed], dropped: 4 });
    const hostile = compileTaskEvents([{ ...running, state: 'exploded' as never }, { ...running, taskId: '' }], 0);
    expect(decompileTaskEvents(hostile as never).events).toEqual([]);
  });
});
