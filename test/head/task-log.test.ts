// The head's task log and its timeline: bounded, newest first, pages that walk every kept task once,
// owners that go away leave "lost" tasks, hostile reports are cut to size, and the trace is valid.
import { describe, expect, it } from 'vitest';
import { TaskLog, parseTaskQuery } from '../../cluster/head/task-log.ts';
import { chromeTrace } from '../../cluster/head/timeline.ts';
import type { TaskEvent } from '../../cluster/proto/convert.ts';

const ev = (i: number, over: Partial<TaskEvent> = {}): TaskEvent => ({
  taskId: `c1.${i}`,
  name: i % 2 ? 'odd' : 'even',
  state: 'finished',
  nodeId: `n${i % 3}`,
  attempt: 0,
  submittedAt: 1000 + i,
  startedAt: 1000 + i,
  endedAt: 1010 + i,
  ...over,
});

describe('TaskLog', () => {
  it('keeps the newest entries up to its bound and counts the dropped ones with those owners shed', () => {
    const log = new TaskLog(100);
    log.record('c1', 'job1', Array.from({ length: 250 }, (_, i) => ev(i)), 7);
    expect(log.size).toBe(100);
    expect(log.dropped).toBe(150 + 7);
    const page = log.page({ limit: 5 });
    expect(page.tasks.map((t) => t.taskId)).toEqual(['c1.249', 'c1.248', 'c1.247', 'c1.246', 'c1.245']);
    expect(page).toMatchObject({ matching: 100, kept: 100, limit: 100, dropped: 157 });
    expect(page.tasks[0]).toEqual({ ...ev(249), jobId: 'job1' });
  });

  it('walks every matching task exactly once through its pages, newest first', () => {
    const log = new TaskLog(1000);
    log.record('c1', '', Array.from({ length: 95 }, (_, i) => ev(i, i % 10 === 0 ? { state: 'failed', error: 'boom' } : {})), 0);
    const seen: string[] = [];
    let before: number | undefined;
    for (;;) {
      const page = log.page({ name: 'even', limit: 7, ...(before !== undefined ? { before } : {}) });
      seen.push(...page.tasks.map((t) => t.taskId));
      if (!page.next) break;
      before = Number(page.next);
    }
    const evens = Array.from({ length: 95 }, (_, i) => i).filter((i) => i % 2 === 0).reverse().map((i) => `c1.${i}`);
    expect(seen).toEqual(evens);
    const failed = log.page({ state: 'failed' });
    expect(failed.tasks.map((t) => t.taskId)).toEqual(['c1.90', 'c1.80', 'c1.70', 'c1.60', 'c1.50', 'c1.40', 'c1.30', 'c1.20', 'c1.10', 'c1.0']);
    expect(failed.tasks.every((t) => t.error === 'boom')).toBe(true);
    expect(failed.byName).toEqual([
      { name: 'even', counts: { finished: 38, failed: 10 } },
      { name: 'odd', counts: { finished: 47 } },
    ]);
  });

  it('updates a task in place as it moves on, ignores a late report of an earlier attempt and another owner claiming it', () => {
    const log = new TaskLog();
    log.record('c1', 'j', [ev(1, { state: 'running', endedAt: undefined })], 0);
    log.record('c1', 'j', [ev(2)], 0);
    log.record('c1', 'j', [ev(1, { attempt: 1, state: 'running', endedAt: undefined })], 0);
    log.record('c1', 'j', [ev(1, { attempt: 0, state: 'failed', error: 'late' })], 0);
    log.record('c2', 'j', [ev(1, { attempt: 5, state: 'finished' })], 0);
    const page = log.page();
    expect(page.tasks.map((t) => [t.taskId, t.state, t.attempt])).toEqual([
      ['c1.2', 'finished', 0],
      ['c1.1', 'running', 1],
    ]);
  });

  it('marks the running tasks of an owner that went away as lost, and only those', () => {
    const log = new TaskLog();
    log.record('c1', '', [ev(1, { state: 'running', endedAt: undefined }), ev(2)], 0);
    log.record('c2', '', [ev(3, { state: 'running', endedAt: undefined })], 0);
    log.ownerGone('c1', 5000);
    expect(log.page().tasks.map((t) => [t.taskId, t.state])).toEqual([
      ['c1.3', 'running'],
      ['c1.2', 'finished'],
      ['c1.1', 'lost'],
    ]);
    expect(log.page({ state: 'lost' }).tasks[0]).toMatchObject({ endedAt: 5000, error: expect.stringMatching(/owner/) });
  });

  it('cuts what a hostile owner sends to size', () => {
    const log = new TaskLog();
    log.record('c1', 'j'.repeat(10_000), [ev(1, { name: 'n'.repeat(100_000), error: 'e'.repeat(1_000_000), nodeId: 'x'.repeat(10_000) })], 0);
    expect(JSON.stringify(log.page()).length).toBeLessThan(5000);
  });

  it("parses a page's query and names a bad parameter", () => {
    expect(parseTaskQuery(new URLSearchParams('state=failed&name=square&job=&limit=20&before=40'))).toEqual({ state: 'failed', name: 'square', job: '', limit: 20, before: 40 });
    expect(() => parseTaskQuery(new URLSearchParams('state=exploded'))).toThrow(/state must be one of running, finished, failed, lost/);
    expect(() => parseTaskQuery(new URLSearchParams('limit=0'))).toThrow(/limit must be a whole number from 1 to 1000/);
    expect(() => parseTaskQuery(new URLSearchParams('limit=5000'))).toThrow(/limit/);
    expect(() => parseTaskQuery(new URLSearchParams('before=abc'))).toThrow(/before must be/);
  });
});

describe('chromeTrace', () => {
  it('draws one complete event per started task, on lanes where none overlap, one process per node', () => {
    const log = new TaskLog();
    // Node n1: three tasks, two at once then one after; node n2: one still running.
    log.record('c1', 'j', [
      ev(1, { nodeId: 'n1', startedAt: 1000, endedAt: 1100 }),
      ev(2, { nodeId: 'n1', startedAt: 1050, endedAt: 1200 }),
      ev(3, { nodeId: 'n1', startedAt: 1100, endedAt: 1150 }),
      ev(4, { nodeId: 'n2', state: 'running', startedAt: 1300, endedAt: undefined }),
      ev(5, { nodeId: 'n2', state: 'running', startedAt: undefined, endedAt: undefined }),
    ], 0);
    const trace = JSON.parse(JSON.stringify(chromeTrace(log.started(), 2000))) as ReturnType<typeof chromeTrace>;
    const tasks = trace.traceEvents.filter((e) => e.ph === 'X');
    expect(tasks).toHaveLength(4);
    for (const e of tasks) {
      expect(Number.isInteger(e.ts) && Number.isInteger(e.dur) && e.dur! >= 0).toBe(true);
      expect(typeof e.name).toBe('string');
    }
    const lanes = (pid: number) => tasks.filter((e) => e.pid === pid).map((e) => [e.args.taskId, e.tid]);
    expect(lanes(1)).toEqual([['c1.1', 1], ['c1.2', 2], ['c1.3', 1]]);
    expect(tasks.find((e) => e.args.taskId === 'c1.4')).toMatchObject({ pid: 2, ts: 1_300_000, dur: 700_000 });
    // No two events of one lane overlap.
    for (const pid of [1, 2]) {
      const byLane = new Map<number, { ts: number; dur: number }[]>();
      for (const e of tasks.filter((t) => t.pid === pid)) byLane.set(e.tid, [...(byLane.get(e.tid) ?? []), { ts: e.ts!, dur: e.dur! }]);
      for (const list of byLane.values()) for (let i = 1; i < list.length; i++) expect(list[i]!.ts).toBeGreaterThanOrEqual(list[i - 1]!.ts + list[i - 1]!.dur);
    }
    expect(trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args.name)).toEqual(['node n1', 'node n2']);
  });
});
