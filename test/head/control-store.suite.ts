/**
 * One suite for every ControlStore backend (Ray's `store_client_test_base.h`): the memory store runs it in
 * control-store.test.ts; a SQLite or Redis store runs the same function with its own factory.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlStore, Table } from '../../cluster/head/control/control-store.ts';
import { TABLE_NAMES } from '../../cluster/head/control/control-store.ts';
import type { ClientRecord, HeadRecord, JobRecord, LeaseRecord, NodeRecord, ObjectRecord, TaskSummaryRecord, TuneRunRecord, PlacementGroupRecord } from '../../cluster/head/control/records.ts';

/** A record for each table, with the shapes the head stores: nested vectors, arrays, optional fields. */
const SAMPLES = {
  nodes: (id: string): NodeRecord => ({
    nodeId: id,
    address: '127.0.0.1:7001',
    total: { cpu: 4, gpu: 2, memory: 8e9 },
    leased: { cpu: 1.5 },
    labels: { zone: 'a' },
    hostname: 'host-1',
    pid: 1234,
    alive: true,
    registeredAt: 1_700_000_000_000,
    lastHeartbeat: 1_700_000_001_000,
    load: { queuedTasks: 3, runningTasks: 2, storeUsedBytes: 1024, storeSpilledBytes: 0, storeObjects: 5, storeBudgetBytes: 1 << 30 },
    freeGpus: [0, 1],
    generation: 1,
  }),
  leases: (id: string): LeaseRecord => ({
    leaseId: id,
    clientId: 'c1',
    nodeId: 'n1',
    resources: { cpu: 1, gpu: 0.5 },
    gpuIds: [0],
    actor: false,
    revoking: false,
    grantedAt: 1_700_000_000_000,
  }),
  objects: (id: string): ObjectRecord => ({ objectId: id, nodes: ['n1', 'n2'], size: 4096, owner: 'c1' }),
  clients: (id: string): ClientRecord => ({ clientId: id, kind: 'driver', jobId: '', attached: true, counts: { finished: 3, failed: 1 }, connectedAt: 1_700_000_000_000 }),
  jobs: (id: string): JobRecord => ({
    info: {
      jobId: id,
      status: 'SUCCEEDED',
      entrypoint: ['node', 'driver.ts'],
      envVars: ['A'],
      dependencies: { source: 'cluster' },
      startTime: 1_700_000_000_000,
      endTime: 1_700_000_005_000,
      exitCode: 0,
      message: 'exited with code 0',
    },
    fingerprint: 'f'.repeat(64),
    logPath: '/tmp/session/jobs/runs/x/logs.txt',
  }),
  taskSummaries: (id: string): TaskSummaryRecord => ({ jobId: id, counts: { FINISHED: 10, FAILED: 1 }, updatedAt: 1_700_000_000_000 }),
  tuneRuns: (id: string): TuneRunRecord => ({
    name: id,
    jobId: 'job_1',
    metric: 'mae',
    mode: 'min',
    status: 'FINISHED',
    trials: [{ trialId: 't0', config: { lr: 0.01, layers: [8, 4] }, status: 'terminated', metrics: { mae: 3.5 }, iterations: 4 }],
    startedAt: 1_700_000_000_000,
    updatedAt: 1_700_000_005_000,
  }),
  placementGroups: (id: string): PlacementGroupRecord => ({
    groupId: id,
    name: 'trainer',
    clientId: 'c1',
    jobId: 'job_1',
    strategy: 'STRICT_SPREAD',
    bundles: [{ cpu: 1, gpu: 1 }, { cpu: 1, gpu: 1 }],
    state: 'RESCHEDULING',
    nodes: ['n1', ''],
    gpuIds: [[0], []],
    reason: 'node n2 holding some of its bundles died; placing them again',
    createdAt: 1_700_000_000_000,
    placedAt: 1_700_000_001_000,
  }),
  meta: (id: string): HeadRecord => ({ tokenHash: id.repeat(8), sessionDir: '/tmp/s', address: '127.0.0.1:6380', httpAddress: '127.0.0.1:8265', startedAt: 1, closedCleanly: false }),
} satisfies { [K in (typeof TABLE_NAMES)[number]]: (id: string) => unknown };

export function controlStoreSuite(name: string, open: () => ControlStore | Promise<ControlStore>): void {
  describe(`ControlStore: ${name}`, () => {
    let store: ControlStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => store.close());

    for (const table of TABLE_NAMES) {
      // The tables are checked alike, so each is seen as a table of loose records here.
      const sample = SAMPLES[table] as unknown as (id: string) => { [k: string]: unknown };
      const t = () => store[table] as unknown as Table<{ [k: string]: unknown }>;

      describe(table, () => {
        it('starts empty and answers undefined for an unknown key', () => {
          expect(t().size()).toBe(0);
          expect(t().list()).toEqual([]);
          expect(t().keys()).toEqual([]);
          expect(t().get('nope')).toBeUndefined();
          expect(t().has('nope')).toBe(false);
          expect(t().delete('nope')).toBe(false);
        });

        it('gives back what was put, field for field', () => {
          t().put('a', sample('a'));
          expect(t().get('a')).toEqual(sample('a'));
          expect(t().has('a')).toBe(true);
          expect(t().size()).toBe(1);
        });

        it('replaces on a second put, keeping the key in its place', () => {
          for (const k of ['a', 'b', 'c']) t().put(k, sample(k));
          t().put('a', { ...sample('a'), marker: 'replaced' });
          expect(t().keys()).toEqual(['a', 'b', 'c']);
          expect(t().list().map((v) => v.marker ?? null)).toEqual(['replaced', null, null]);
          expect(t().size()).toBe(3);
        });

        it('deletes by key', () => {
          for (const k of ['a', 'b', 'c']) t().put(k, sample(k));
          expect(t().delete('b')).toBe(true);
          expect(t().delete('b')).toBe(false);
          expect(t().get('b')).toBeUndefined();
          expect(t().keys()).toEqual(['a', 'c']);
          t().put('b', sample('b'));
          expect(t().keys()).toEqual(['a', 'c', 'b']);
        });

        it('holds values, not references: a change is stored only when put back', () => {
          const v = sample('a');
          t().put('a', v);
          v.changed = true;
          const got = t().get('a')!;
          expect(got.changed).toBeUndefined();
          got.changed = true;
          for (const listed of t().list()) listed.alsoChanged = true;
          expect(t().get('a')).toEqual(sample('a'));
          t().put('a', got);
          expect(t().get('a')!.changed).toBe(true);
        });

        it('keeps a value as JSON would (a persistent backend serializes it)', () => {
          t().put('a', sample('a'));
          expect(t().get('a')).toEqual(JSON.parse(JSON.stringify(sample('a'))));
        });
      });
    }

    it('keeps its tables apart: the same key in two tables is two records', () => {
      store.nodes.put('k', SAMPLES.nodes('k'));
      store.jobs.put('k', SAMPLES.jobs('k'));
      store.nodes.delete('k');
      expect(store.jobs.get('k')).toEqual(SAMPLES.jobs('k'));
      for (const table of TABLE_NAMES) if (table !== 'jobs') expect(store[table].size()).toBe(0);
    });

    it('closes more than once', async () => {
      await store.close();
      await store.close();
    });
  });
}
