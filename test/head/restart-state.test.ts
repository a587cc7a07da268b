/**
 * The pieces of head state a restart resumes, each on its own: a node process that registers again keeps
 * what its leases hold, a node's full listing replaces its copies in the directory, history tables stay
 * bounded with the oldest dropped first, and a tune report that is not a run is refused.
 */
import { describe, expect, it } from 'vitest';
import { MemoryTable } from '../../cluster/head/control/memory-store.ts';
import type { NodeRecord, ObjectRecord, TuneRunRecord } from '../../cluster/head/control/records.ts';
import { NodeTable } from '../../cluster/head/node-table.ts';
import { ObjectDirectory } from '../../cluster/head/object-directory.ts';
import { TuneHistory } from '../../cluster/head/tune-history.ts';
import { compileTuneReport, decompileTuneReport } from '../../cluster/proto/convert.ts';

const registration = (pid: number, address = '127.0.0.1:7001') => ({ nodeId: 'n1', address, total: { cpu: 4, gpu: 2 }, labels: {}, hostname: 'h', pid });

describe('NodeTable.register after a head restart', () => {
  it('keeps leased resources and GPUs for the same process, starts empty for a new one', () => {
    const nodes = new NodeTable(new MemoryTable<NodeRecord>());
    nodes.register(registration(100), 1);
    const gpus = nodes.reserve('n1', { cpu: 2, gpu: 1 });
    expect(gpus).toEqual([0]);
    const again = nodes.register(registration(100), 2);
    expect(again.leased).toEqual({ cpu: 2, gpu: 1 });
    expect(again.freeGpus).toEqual([1]);
    expect(again.generation).toBe(2);
    const restarted = nodes.register(registration(101), 3);
    expect(restarted.leased).toEqual({});
    expect(restarted.freeGpus).toEqual([0, 1]);
  });

  it('starts empty when the node was declared dead meanwhile', () => {
    const nodes = new NodeTable(new MemoryTable<NodeRecord>());
    nodes.register(registration(100), 1);
    nodes.reserve('n1', { cpu: 1 });
    nodes.markDead('n1', 'no heartbeat');
    expect(nodes.register(registration(100), 2).leased).toEqual({});
  });

  it('gives every live node a fresh clock to come back within', () => {
    const nodes = new NodeTable(new MemoryTable<NodeRecord>());
    nodes.register(registration(100), 1);
    expect(nodes.overdue(20_000, 10_000).map((n) => n.nodeId)).toEqual(['n1']);
    nodes.restartClocks(20_000);
    expect(nodes.overdue(25_000, 10_000)).toEqual([]);
  });
});

describe('ObjectDirectory.resync', () => {
  it("makes a node's copies exactly its listing, keeping other nodes' copies", () => {
    const dir = new ObjectDirectory(new MemoryTable<ObjectRecord>());
    dir.add('a', 'n1', 10, 'c1');
    dir.add('b', 'n1', 20, 'c1');
    dir.add('b', 'n2', 20, 'c1');
    dir.add('c', 'n2', 30, 'c2');
    dir.resync('n1', [
      { objectId: 'c', size: 30, owner: 'c2' },
      { objectId: 'd', size: 40, owner: 'c1' },
    ]);
    const where = Object.fromEntries(dir.entries().map((e) => [e.objectId, [...e.nodes].sort()]));
    expect(where).toEqual({ b: ['n2'], c: ['n1', 'n2'], d: ['n1'] });
    expect(dir.stats()).toEqual({ count: 3, bytes: 90 });
  });
});

const run = (name: string, updatedAt: number): TuneRunRecord => ({
  name,
  jobId: '',
  metric: 'mae',
  mode: 'min',
  status: 'running',
  trials: [{ trialId: 'trial_00000', config: { lr: 0.1 }, status: 'running', metrics: { mae: 4 }, iterations: 1 }],
  startedAt: updatedAt,
  updatedAt,
});

describe('TuneHistory', () => {
  it('keeps the latest report of each run under the reporting job, most recent first, dropping the oldest past the bound', () => {
    const h = new TuneHistory(new MemoryTable<TuneRunRecord>(), 2);
    h.report(run('a', 1), 'job_1');
    h.report(run('b', 2), 'job_2');
    h.report({ ...run('a', 3), status: 'finished' }, 'job_1');
    expect(h.list().map((r) => [r.name, r.status, r.jobId, r.startedAt])).toEqual([
      ['a', 'finished', 'job_1', 1],
      ['b', 'running', 'job_2', 2],
    ]);
    h.report(run('c', 4), 'job_3');
    expect(h.list().map((r) => r.name)).toEqual(['c', 'a']);
  });
});

describe('tune reports from clients', () => {
  it('round-trips a run and refuses what is not one', () => {
    expect(decompileTuneReport(compileTuneReport(run('a', 1)) as { runJson: string })).toEqual(run('a', 1));
    expect(() => decompileTuneReport({ runJson: '{' })).toThrow(/tune report is not JSON/);
    expect(() => decompileTuneReport({ runJson: JSON.stringify({ ...run('a', 1), mode: 'sideways' }) })).toThrow(/malformed tune report: mode/);
    expect(() => decompileTuneReport({ runJson: JSON.stringify({ ...run('a', 1), trials: [{ trialId: 't', metrics: { mae: 'low' } }] }) })).toThrow(/trials\.0/);
  });
});
