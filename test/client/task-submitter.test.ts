/**
 * The task submitter with a fake head and fake worker streams: lease demands follow the backlog, grants
 * dispatch queued tasks (the task manager sees them run), results free the lease's room, and a lost node's
 * leases are dropped (handed back only when the node may live on).
 */
import { describe, expect, it } from 'vitest';
import { TaskSubmitter } from '../../cluster/client/task-submitter.ts';
import { TaskManager } from '../../cluster/client/task-manager.ts';
import type { TaskRecord } from '../../cluster/client/task-record.ts';
import type { HeadConnection } from '../../cluster/client/head-connection.ts';
import type { WorkerConnections } from '../../cluster/client/worker-connections.ts';
import type { GrantedLease } from '../../cluster/proto/convert.ts';

let seq = 0;
function task(): TaskRecord {
  return {
    taskId: `c1.${++seq}`,
    name: 'square',
    fn: { moduleUrl: 'file:///tasks.ts', exportName: 'square' },
    fnKey: 'file:///tasks.ts#square',
    opts: { resources: { cpu: 1 }, shape: 'cpu:1', maxRetries: 0, retryExceptions: false, timeoutMs: 0, strategy: 'pack' },
    rawArgs: [],
    scan: { refs: [], nested: false },
    args: [],
    preferredNode: '',
    attempt: 0,
    state: 'new',
    submittedAt: 0,
  };
}

function setup() {
  const demands: { requestId: number; count: number }[] = [];
  const returned: string[] = [];
  const sent: string[] = [];
  const head = {
    requestLeases: (r: { requestId: number; count: number }) => demands.push({ requestId: r.requestId, count: r.count }),
    returnLeases: (ids: string[]) => returned.push(...ids),
  } as unknown as HeadConnection;
  const conn = {
    openLease: () => undefined,
    closeLease: () => undefined,
    functionId: () => 1,
    submit: (spec: { taskId: string; leaseId: string }) => sent.push(`${spec.taskId}@${spec.leaseId}`),
    cancel: () => undefined,
  };
  const connections = { get: () => conn } as unknown as WorkerConnections;
  const tasks = new TaskManager();
  const submitter = new TaskSubmitter({ head, connections, tasks, maxInFlight: 4, leaseIdleMs: 60_000 });
  const submit = (t: TaskRecord) => {
    tasks.submit(t);
    tasks.argsReady(t);
    submitter.enqueue(t);
    return t;
  };
  return { demands, returned, sent, tasks, submitter, submit };
}

const lease = (leaseId: string, nodeId = 'n1'): GrantedLease => ({ leaseId, nodeId, address: '127.0.0.1:1', resources: {}, gpuIds: [] });

describe('task submitter', () => {
  it('asks for leases for the backlog once per synchronous run, and dispatches on the grant', async () => {
    const s = setup();
    const a = s.submit(task());
    const b = s.submit(task());
    expect(s.demands).toEqual([]);
    await Promise.resolve();
    expect(s.demands).toEqual([{ requestId: 1, count: 2 }]);
    s.submitter.onGrant(1, [lease('L1')]);
    // Run times are unknown yet: one task per lease.
    expect(s.sent).toEqual([`${a.taskId}@L1`]);
    expect(a.state).toBe('running');
    expect(b.state).toBe('queued');
    expect(s.tasks.counts).toMatchObject({ queued: 1, running: 1 });
    // The result frees the lease's room: the next task goes to it.
    const pool = s.submitter.completed(a, 500);
    s.tasks.finished(a);
    s.submitter.pump([pool]);
    expect(s.sent).toEqual([`${a.taskId}@L1`, `${b.taskId}@L1`]);
    expect(s.tasks.counts).toMatchObject({ queued: 0, running: 1, finished: 1 });
  });

  it('hands back grants nobody asks for any more', () => {
    const s = setup();
    s.submitter.onGrant(99, [lease('stray')]);
    expect(s.returned).toEqual(['stray']);
  });

  it('takes a withdrawn task out of its pool, so it is never dispatched', async () => {
    const s = setup();
    const a = s.submit(task());
    s.submitter.withdraw(a);
    s.tasks.failed(a, new Error('cancelled'));
    await Promise.resolve();
    s.submitter.onGrant(1, [lease('L1')]);
    expect(s.sent).toEqual([]);
  });

  it("drops a lost node's leases, handing them back only when the node may still be alive", async () => {
    const s = setup();
    s.submit(task());
    s.submit(task());
    await Promise.resolve();
    s.submitter.onGrant(1, [lease('L1', 'n1'), lease('L2', 'n2')]);
    expect(s.submitter.heldLeaseIds().sort()).toEqual(['L1', 'L2']);
    expect(s.submitter.dropNode('n1', false)).toHaveLength(1);
    expect(s.returned).toEqual(['L1']);
    s.submitter.dropNode('n2', true);
    expect(s.returned).toEqual(['L1']);
    expect(s.submitter.heldLeaseIds()).toEqual([]);
  });
});
