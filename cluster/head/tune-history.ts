/**
 * Tune runs as their drivers report them (the client session's tune report), kept in the control store's
 * `tuneRuns` table so a run's trials and results are still listed after its driver and the head are gone.
 * Bounded: past the limit the run least recently reported is dropped first.
 */
import type { Table } from './control/control-store.ts';
import type { TuneRunRecord } from './control/records.ts';

/** @default number of runs kept */
export const TUNE_RUNS_KEPT = 200;

export class TuneHistory {
  constructor(
    private readonly table: Table<TuneRunRecord>,
    private readonly kept = TUNE_RUNS_KEPT,
  ) {}

  /** A run's latest state; the head names its job (the reporting client's), not the report. */
  report(run: TuneRunRecord, jobId: string): void {
    const prev = this.table.get(run.name);
    // Re-put at the end, so list() runs from least to most recently reported: the order to drop in.
    this.table.delete(run.name);
    this.table.put(run.name, { ...run, jobId, startedAt: prev && prev.jobId === jobId ? Math.min(prev.startedAt, run.startedAt) : run.startedAt });
    const keys = this.table.keys();
    for (const k of keys.slice(0, Math.max(0, keys.length - this.kept))) this.table.delete(k);
  }

  /**
   * A job ended: its runs still reported running can run no more (their driver has exited without reporting
   * their end, killed, or while no head could hear it). They are marked interrupted, with their trials as
   * last reported; a later report of the same run (one still on its way) replaces this.
   */
  jobEnded(jobId: string): void {
    if (!jobId) return;
    for (const run of this.table.list()) {
      if (run.jobId === jobId && run.status === 'running') this.table.put(run.name, { ...run, status: 'interrupted' });
    }
  }

  /** Most recently reported first. */
  list(): TuneRunRecord[] {
    return this.table.list().reverse();
  }

  get(name: string): TuneRunRecord | undefined {
    return this.table.get(name);
  }
}
