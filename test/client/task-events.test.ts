// The owner's side of the task log: one entry per task between two reports, bounded, failures kept first.
import { describe, expect, it } from 'vitest';
import { TaskEventBuffer } from '../../cluster/client/task-events.ts';
import type { TaskRecord } from '../../cluster/client/task-record.ts';
import { TaskError } from '../../cluster/common/errors.ts';

let seq = 0;
const task = (): TaskRecord =>
  ({ taskId: `c1.${++seq}`, name: 'square', attempt: 0, submittedAt: Date.now() - 5, state: 'running' }) as unknown as TaskRecord;

describe('TaskEventBuffer', () => {
  it('sends a task that started and ended between two reports once, with its node, times and error', () => {
    const b = new TaskEventBuffer();
    const ok = task();
    const bad = task();
    b.running(ok, 'n1');
    b.running(bad, 'n2');
    b.settled(ok, 'finished', 2000);
    b.settled(bad, 'failed', 0, new TaskError(bad.taskId, 'square', 'Error: boom\n    at x', new Error('boom')));
    const out = b.take()!;
    expect(out.dropped).toBe(0);
    expect(out.events.map((e) => [e.taskId, e.state, e.nodeId])).toEqual([
      [ok.taskId, 'finished', 'n1'],
      [bad.taskId, 'failed', 'n2'],
    ]);
    const [done, failed] = out.events;
    expect(done!.endedAt! - done!.startedAt!).toBeGreaterThanOrEqual(0);
    expect(done!.startedAt!).toBeGreaterThanOrEqual(done!.submittedAt);
    expect(failed!.error).toMatch(/^TaskError: .*boom/);
    expect(b.take()).toBeUndefined();
  });

  it('ignores a task that never ran, and sends a retried attempt as its own entry', () => {
    const b = new TaskEventBuffer();
    const never = task();
    b.settled(never, 'failed', 0, new Error('argument failed'));
    expect(b.take()).toBeUndefined();
    const t = task();
    b.running(t, 'n1');
    b.settled(t, 'failed', 10, new Error('worker died'));
    expect(b.take()!.events.map((e) => [e.state, e.attempt])).toEqual([['failed', 0]]);
    t.attempt = 1;
    b.running(t, 'n2');
    expect(b.take()!.events.map((e) => [e.state, e.attempt, e.nodeId])).toEqual([['running', 1, 'n2']]);
  });

  it('sheds past its bound and counts what it shed; a failure takes the place of a success', () => {
    const b = new TaskEventBuffer(3);
    const tasks = Array.from({ length: 5 }, task);
    for (const t of tasks) b.running(t, 'n1');
    // Already in the buffer: its end replaces its start, even when full.
    b.settled(tasks[0]!, 'finished', 0);
    const failing = tasks[4]!;
    failing.dispatchedAt = Date.now();
    b.settled(failing, 'failed', 0, new Error('boom'));
    const out = b.take()!;
    expect(out.events.map((e) => e.taskId)).toEqual([tasks[1]!.taskId, tasks[2]!.taskId, failing.taskId]);
    expect(out.events.at(-1)!.state).toBe('failed');
    // tasks[3] and [4]'s start did not fit; tasks[0]'s entry gave its place to the failure.
    expect(out.dropped).toBe(3);
  });
});
