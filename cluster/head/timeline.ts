/**
 * The task log as a Chrome trace (the JSON Object Format of the Trace Event Format), as `ray timeline` writes
 * it: load the file in https://ui.perfetto.dev or chrome://tracing. One process per node, one complete event
 * ("ph": "X") per task attempt. The log does not know which worker thread ran a task, so each node's tasks are
 * laid on the fewest lanes on which none overlap (interval colouring): a lane count shows the node's real
 * concurrency, and every task is visible.
 */
import type { TaskEntry } from '../api/head-api.ts';

export interface TraceEvent {
  name: string;
  ph: 'X' | 'M';
  pid: number;
  tid: number;
  /** Microseconds (the format's unit). */
  ts?: number;
  dur?: number;
  cat?: string;
  args: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, unknown>;
}

/** `entries` must have started; a running one is drawn up to `now`. */
export function chromeTrace(entries: readonly TaskEntry[], now = Date.now()): ChromeTrace {
  const byNode = new Map<string, TaskEntry[]>();
  for (const e of entries) {
    if (e.startedAt === undefined) continue;
    const list = byNode.get(e.nodeId) ?? [];
    list.push(e);
    byNode.set(e.nodeId, list);
  }
  const traceEvents: TraceEvent[] = [];
  let pid = 0;
  for (const [nodeId, list] of [...byNode].sort(([a], [b]) => a.localeCompare(b))) {
    pid++;
    traceEvents.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: nodeId ? `node ${nodeId}` : 'node unknown' } });
    list.sort((a, b) => a.startedAt! - b.startedAt!);
    const laneEnds: number[] = [];
    for (const e of list) {
      const start = e.startedAt!;
      const end = Math.max(start, e.endedAt ?? now);
      let lane = laneEnds.findIndex((t) => t <= start);
      if (lane < 0) lane = laneEnds.push(end) - 1;
      else laneEnds[lane] = end;
      traceEvents.push({
        name: e.name,
        cat: e.state,
        ph: 'X',
        pid,
        tid: lane + 1,
        ts: Math.round(start * 1000),
        dur: Math.round((end - start) * 1000),
        args: { taskId: e.taskId, jobId: e.jobId, attempt: e.attempt, state: e.state, waitedMs: Math.max(0, start - e.submittedAt), ...(e.error ? { error: e.error } : {}) },
      });
    }
    for (let lane = 0; lane < laneEnds.length; lane++) traceEvents.push({ name: 'thread_name', ph: 'M', pid, tid: lane + 1, args: { name: `lane ${lane + 1}` } });
  }
  return { traceEvents, displayTimeUnit: 'ms', otherData: { producer: 'convoy timeline', tasks: entries.length } };
}
