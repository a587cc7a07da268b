/**
 * The owner's task state machine on its own: no head, no workers, no gRPC. Each test drives records through
 * the transitions a real run makes and checks the counts the head would be shown.
 */
import { describe, expect, it } from 'vitest';
import { TaskManager, failureKind, type TaskCounts } from '../../cluster/client/task-manager.ts';
import type { TaskRecord } from '../../cluster/client/task-record.ts';
import type { CompiledTaskOptions } from '../../cluster/client/options.ts';
import { ObjectRef } from '../../cluster/client/object-ref.ts';
import { IllegalStateError, TaskCancelledError, TaskError, WorkerDiedError } from '../../cluster/common/errors.ts';

const OPTS: CompiledTaskOptions = { resources: { cpu: 1 }, shape: 'cpu:1', maxRetries: 2, retryExceptions: false, timeoutMs: 0, strategy: 'pack' };

let seq = 0;
function record(over: { opts?: Partial<CompiledTaskOptions>; refs?: number; actorId?: string } = {}): TaskRecord {
  const refs = Array.from({ length: over.refs ?? 0 }, (_, i) => new ObjectRef(`dep${i}`, 'c1'));
  return {
    taskId: `c1.${++seq}`,
    name: 'square',
    fn: { moduleUrl: 'file:///tasks.ts', exportName: 'square' },
    fnKey: 'file:///tasks.ts#square',
    opts: { ...OPTS, ...over.opts },
    rawArgs: refs,
    scan: { refs, nested: false },
    preferredNode: '',
    attempt: 0,
    state: 'new',
    submittedAt: 0,
    actorId: over.actorId,
  };
}

const ZERO: TaskCounts = { pending_args: 0, queued: 0, running: 0, finished: 0, failed: 0, cancelled: 0 };
const counts = (m: TaskManager, c: Partial<TaskCounts>) => expect({ ...m.counts }).toEqual({ ...ZERO, ...c });

/** A task submitted, its arguments ready and dispatched: running. */
function running(m: TaskManager, t = record()): TaskRecord {
  m.submit(t);
  m.argsReady(t);
  m.dispatched(t, 'n1');
  return t;
}

describe('task manager', () => {
  it('counts a task through submit, waiting for arguments, queued, running and finished', () => {
    const m = new TaskManager();
    const t = record({ refs: 2 });
    m.submit(t);
    expect(t.state).toBe('deps');
    counts(m, { pending_args: 1 });
    expect(m.get(t.taskId)).toBe(t);
    m.argsReady(t);
    counts(m, { queued: 1 });
    m.dispatched(t, 'n1');
    counts(m, { running: 1 });
    expect(m.pending).toBe(1);
    expect(m.current(t.taskId, 0)).toBe(t);
    expect(m.current(t.taskId, 1)).toBeUndefined(); // a reply for another attempt
    m.finished(t);
    expect(t.state).toBe('finished');
    counts(m, { finished: 1 });
    expect(m.get(t.taskId)).toBeUndefined();
    expect(m.pending).toBe(0);
  });

  it('leaves running at zero when a task fails for good (the result is counted once, as failed)', () => {
    const m = new TaskManager();
    const t = running(m, record({ opts: { maxRetries: 0 } }));
    const d = m.retryOrFail(t, 'application', new Error('boom'));
    expect(d.retry).toBe(false);
    if (d.retry) return;
    expect(d.error).toBeInstanceOf(TaskError);
    expect(m.failed(t, d.error)).toBe(true);
    expect(t.state).toBe('failed');
    counts(m, { failed: 1 });
  });

  it('retries a system failure after a backoff, with a new attempt, and counts it as queued meanwhile', () => {
    const m = new TaskManager({ random: () => 0.5 });
    const t = running(m);
    const d = m.retryOrFail(t, 'system', new WorkerDiedError('n1', 'killed'));
    expect(d).toEqual({ retry: true, delayMs: 100 });
    expect(t.state).toBe('backoff');
    expect(t.attempt).toBe(1);
    counts(m, { queued: 1 });
    expect(m.current(t.taskId, 0)).toBeUndefined(); // the dead attempt's late reply is ignored
    expect(m.backoffOver(t)).toBe('queued');
    counts(m, { queued: 1 });
    m.dispatched(t, 'n1');
    expect(m.current(t.taskId, 1)).toBe(t);
    m.finished(t);
    counts(m, { finished: 1 });
  });

  it('resolves arguments again after a backoff when the task has ObjectRef arguments', () => {
    const m = new TaskManager();
    const t = record({ refs: 1 });
    m.submit(t);
    t.args = [];
    m.argsReady(t);
    m.dispatched(t, 'n1');
    expect(m.retryOrFail(t, 'system', new Error('lost')).retry).toBe(true);
    expect(m.backoffOver(t)).toBe('deps');
    expect(t.args).toBeUndefined();
    counts(m, { pending_args: 1 });
  });

  it('gives up after maxRetries system failures with the error as it is', () => {
    const m = new TaskManager();
    const t = running(m, record({ opts: { maxRetries: 1 } }));
    expect(m.retryOrFail(t, 'system', new WorkerDiedError('n1', 'a')).retry).toBe(true);
    m.backoffOver(t);
    m.dispatched(t, 'n1');
    const died = new WorkerDiedError('n2', 'b');
    const d = m.retryOrFail(t, 'system', died);
    expect(d).toEqual({ retry: false, error: died });
  });

  it('retries a thrown error only when retryExceptions names it', () => {
    const m = new TaskManager();
    const named = running(m, record({ opts: { retryExceptions: ['RateLimitedError'] } }));
    const err = Object.assign(new Error('429'), { name: 'RateLimitedError' });
    expect(m.retryOrFail(named, 'application', err).retry).toBe(true);
    const other = running(m, record({ opts: { retryExceptions: ['RateLimitedError'] } }));
    expect(m.retryOrFail(other, 'application', new Error('bad input')).retry).toBe(false);
  });

  it('counts a cancel apart from a failure, from any unsettled state, and ignores a second settle', () => {
    const m = new TaskManager();
    const waiting = record({ refs: 1 });
    m.submit(waiting);
    const queued = record();
    m.submit(queued);
    m.argsReady(queued);
    const run = running(m);
    const backoff = running(m);
    m.retryOrFail(backoff, 'system', new Error('lost'));
    counts(m, { pending_args: 1, queued: 2, running: 1 });
    for (const t of [waiting, queued, run, backoff]) expect(m.failed(t, new TaskCancelledError(t.taskId))).toBe(true);
    counts(m, { cancelled: 4 });
    expect(m.failed(run, new Error('late'))).toBe(false);
    expect(m.backoffOver(backoff)).toBeUndefined(); // its timer fires after the cancel: nothing to do
    counts(m, { cancelled: 4 });
    expect(m.live()).toEqual([]);
  });

  it('counts actor calls only while they run, and requeues them with a new attempt when the instance dies', () => {
    const m = new TaskManager();
    const call = record({ actorId: 'a1' });
    m.submitCall(call);
    expect(call.state).toBe('actor-queued');
    counts(m, {});
    expect(m.pending).toBe(0);
    m.callSent(call, 'n1');
    counts(m, { running: 1 });
    m.callRequeued(call);
    expect(call.attempt).toBe(1);
    counts(m, {});
    m.callSent(call, 'n1');
    m.finished(call);
    counts(m, { finished: 1 });
  });

  it('re-runs a finished task for lineage: it counts as finished again when done', () => {
    const m = new TaskManager();
    const t = running(m, record({ refs: 1 }));
    m.finished(t);
    expect(m.rerun(t)).toBe('deps');
    expect(t.attempt).toBe(1);
    expect(m.get(t.taskId)).toBe(t);
    counts(m, { pending_args: 1, finished: 1 });
    m.argsReady(t);
    m.dispatched(t, 'n1');
    m.finished(t);
    counts(m, { finished: 2 });
  });

  it('refuses transitions the table does not have', () => {
    const m = new TaskManager();
    const t = record();
    expect(() => m.argsReady(t)).toThrow(IllegalStateError);
    m.submit(t);
    expect(() => m.dispatched(t, 'n1')).toThrow(/cannot move from deps to running/);
    expect(() => m.retryOrFail(t, 'system', new Error('x'))).toThrow(IllegalStateError);
    expect(() => m.rerun(t)).toThrow(IllegalStateError);
    m.failed(t, new Error('gone'));
    expect(() => m.argsReady(t)).toThrow(IllegalStateError);
    counts(m, { failed: 1 });
  });

  it('admits tasks up to maxPendingTasks, counting waiting, queued and running ones', () => {
    const m = new TaskManager();
    m.submit(record({ refs: 1 }));
    running(m);
    expect(m.admit(3)).toEqual({ admit: true });
    const q = record();
    m.submit(q);
    m.argsReady(q);
    expect(m.admit(3).admit).toBe(false);
  });

  it('tells failure kinds apart from the error a worker reported', () => {
    expect(failureKind(true, new Error('x'))).toBe('system');
    expect(failureKind(false, Object.assign(new Error('t'), { name: 'TaskTimeoutError' }))).toBe('timeout');
    expect(failureKind(false, Object.assign(new Error('c'), { name: 'TaskCancelledError' }))).toBe('cancelled');
    expect(failureKind(false, new TypeError('y'))).toBe('application');
  });
});
