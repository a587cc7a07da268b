/**
 * The head's task log: the latest task attempts owners reported (task-events.ts on the client side), for the
 * dashboard's tasks page (GET /api/tasks) and the timeline (GET /api/timeline, `convoy timeline`). After
 * Ray's GCS task events: bounded (`--max-task-log`, the oldest entry goes first), in memory only (a head
 * restart starts it empty; the counts by state survive in the control store), and honest about what it
 * dropped. Owners own their tasks; this is a view of them, never on the path a task takes.
 */
import { TASK_LOG_STATES, type TaskEntry, type TaskLogState, type TaskPage } from '../api/head-api.ts';
import type { TaskEvent } from '../proto/convert.ts';

export const DEFAULT_TASK_LOG_SIZE = 10_000;
/** A page holds at most this many tasks. */
export const MAX_TASK_PAGE = 1000;
/** What one entry may carry, whatever an owner sends (the log is bounded in bytes, not only in entries). */
const NAME_CHARS = 200;
const ERROR_CHARS = 2000;
const ID_CHARS = 200;

interface Kept extends TaskEntry {
  /** Order of first arrival: the `before` cursor, and which entry is oldest. */
  readonly seq: number;
  readonly clientId: string;
}

export interface TaskQuery {
  state?: TaskLogState;
  name?: string;
  job?: string;
  /** @default 100 */
  limit?: number;
  /** Only tasks that arrived before the one of this cursor (the `next` of the page before). */
  before?: number;
}

export class TaskLog {
  /** By task id, in order of first arrival (a later report of a task updates it where it is). */
  readonly #entries = new Map<string, Kept>();
  #seq = 0;
  #dropped = 0;

  constructor(readonly limit = DEFAULT_TASK_LOG_SIZE) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`the task log's size must be a whole number of at least 1, not ${limit}`);
  }

  get size(): number {
    return this.#entries.size;
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** An owner's report: its events (in the order it saw them) and how many it shed. */
  record(clientId: string, jobId: string, events: readonly TaskEvent[], shed: number): void {
    this.#dropped += shed;
    for (const e of events) {
      const entry: TaskEntry = {
        taskId: e.taskId.slice(0, ID_CHARS),
        jobId: jobId.slice(0, ID_CHARS),
        name: e.name.slice(0, NAME_CHARS),
        state: e.state,
        nodeId: e.nodeId.slice(0, ID_CHARS),
        attempt: e.attempt,
        submittedAt: e.submittedAt,
        ...(e.startedAt !== undefined ? { startedAt: e.startedAt } : {}),
        ...(e.endedAt !== undefined ? { endedAt: e.endedAt } : {}),
        ...(e.error !== undefined ? { error: e.error.slice(0, ERROR_CHARS) } : {}),
      };
      const before = this.#entries.get(entry.taskId);
      // Another owner's task of the same id would be a broken client: it does not overwrite this one's.
      if (before && before.clientId !== clientId) continue;
      // A late report of an earlier attempt does not undo a later one.
      if (before && before.attempt > entry.attempt) continue;
      this.#entries.set(entry.taskId, { ...entry, seq: before?.seq ?? ++this.#seq, clientId });
      if (!before) this.#evict();
    }
  }

  /** The owner is gone for good: its tasks still running will never report, so they are marked lost. */
  ownerGone(clientId: string, now = Date.now()): void {
    for (const e of this.#entries.values()) {
      if (e.clientId === clientId && e.state === 'running') Object.assign(e, { state: 'lost', endedAt: now, error: 'its owner (driver) went away before the result came back' });
    }
  }

  /** The newest matching tasks first, at most `limit`, with the counts the filter's choices need. */
  page(q: TaskQuery = {}): TaskPage {
    const limit = Math.min(Math.max(1, q.limit ?? 100), MAX_TASK_PAGE);
    const byName = new Map<string, Partial<Record<TaskLogState, number>>>();
    const matching: Kept[] = [];
    for (const e of this.#entries.values()) {
      const counts = byName.get(e.name) ?? {};
      counts[e.state] = (counts[e.state] ?? 0) + 1;
      byName.set(e.name, counts);
      if (q.state && e.state !== q.state) continue;
      if (q.name !== undefined && e.name !== q.name) continue;
      if (q.job !== undefined && e.jobId !== q.job) continue;
      matching.push(e);
    }
    const older = q.before === undefined ? matching : matching.filter((e) => e.seq < q.before!);
    const pageEntries = older.slice(-limit).reverse();
    const last = pageEntries[pageEntries.length - 1];
    return {
      tasks: pageEntries.map(publicEntry),
      matching: matching.length,
      ...(older.length > limit && last ? { next: String(last.seq) } : {}),
      kept: this.#entries.size,
      limit: this.limit,
      dropped: this.#dropped,
      byName: [...byName].map(([name, counts]) => ({ name, counts })).sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  /** The kept attempts that started (of one job, when given), oldest first: what a timeline draws. */
  started(job?: string): TaskEntry[] {
    const out: TaskEntry[] = [];
    for (const e of this.#entries.values()) if (e.startedAt !== undefined && (job === undefined || e.jobId === job)) out.push(publicEntry(e));
    return out;
  }

  #evict(): void {
    while (this.#entries.size > this.limit) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.#dropped++;
    }
  }
}

function publicEntry(e: Kept): TaskEntry {
  const { seq: _seq, clientId: _client, ...entry } = e;
  return entry;
}

/** A query string's filter, checked: undefined values are absent parameters; a bad one throws a RangeError naming it. */
export function parseTaskQuery(params: URLSearchParams): TaskQuery {
  const q: TaskQuery = {};
  const state = params.get('state');
  if (state !== null && state !== '') {
    if (!(TASK_LOG_STATES as readonly string[]).includes(state)) throw new RangeError(`state must be one of ${TASK_LOG_STATES.join(', ')}, not "${state.slice(0, 40)}"`);
    q.state = state as TaskLogState;
  }
  const name = params.get('name');
  if (name !== null && name !== '') q.name = name;
  const job = params.get('job');
  if (job !== null) q.job = job;
  const limit = params.get('limit');
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_TASK_PAGE) throw new RangeError(`limit must be a whole number from 1 to ${MAX_TASK_PAGE}, not "${limit.slice(0, 40)}"`);
    q.limit = n;
  }
  const before = params.get('before');
  if (before !== null) {
    const n = Number(before);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`before must be the "next" of an earlier page, not "${before.slice(0, 40)}"`);
    q.before = n;
  }
  return q;
}
