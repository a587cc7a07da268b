/**
 * Trials and their life cycle, as data plus transition functions (no I/O, clocks passed in).
 *
 *     pending ──start──▶ running ──complete──▶ terminated
 *        ▲                 │ │ └──early-stop──▶ stopped
 *        └──requeue/fail───┘ └──fail (no retries left)──▶ error
 *
 * `requeue` puts a running trial back in the queue without counting a failure: its node died or the driver
 * restarted, and it resumes from its last checkpoint. `fail` counts against `maxFailures`.
 *
 * A {@link TuneRun} (trials plus the ASHA state) is plain JSON so a driver can persist it after every event and
 * a restarted driver can continue with {@link recoverRun}.
 */
import { IllegalTrialTransitionError } from './errors.ts';
import type { AshaState } from './asha.ts';
import type { TrialConfig } from './space.ts';

export type TrialStatus = 'pending' | 'running' | 'terminated' | 'stopped' | 'error';
export const FINAL_STATUSES: readonly TrialStatus[] = ['terminated', 'stopped', 'error'];

export interface TrialResult {
  /** 1-based report count (epochs, usually). */
  iteration: number;
  metrics: Record<string, number>;
  /** Epoch milliseconds, from the caller's clock. */
  at: number;
}

export interface Trial {
  id: string;
  config: TrialConfig;
  status: TrialStatus;
  /** Results in order; the last is the trial's current standing. */
  results: TrialResult[];
  /** Storage key of the newest checkpoint, for resuming. */
  checkpoint?: string;
  failures: number;
  error?: string;
  stopReason?: string;
  startedAt?: number;
  endedAt?: number;
}

export type TrialEvent =
  | { type: 'start'; at: number }
  | { type: 'result'; result: TrialResult }
  | { type: 'checkpoint'; key: string }
  | { type: 'complete'; at: number }
  | { type: 'early-stop'; at: number; reason: string }
  | { type: 'fail'; at: number; error: string; maxFailures: number }
  | { type: 'requeue' };

export const trialId = (index: number) => `trial_${String(index).padStart(5, '0')}`;

export function createTrials(configs: readonly TrialConfig[]): Trial[] {
  return configs.map((config, i) => ({ id: trialId(i), config, status: 'pending', results: [], failures: 0 }));
}

/** Applies one event, returning a new trial; throws {@link IllegalTrialTransitionError} on a wrong event. */
export function transitionTrial(trial: Trial, event: TrialEvent): Trial {
  const illegal = () => new IllegalTrialTransitionError(trial.id, trial.status, event.type);
  switch (event.type) {
    case 'start':
      if (trial.status !== 'pending') throw illegal();
      return { ...trial, status: 'running', startedAt: trial.startedAt ?? event.at };
    case 'result': {
      if (trial.status !== 'running') throw illegal();
      const last = trial.results.at(-1);
      // A resumed trial may re-report an iteration it reported before its restart; keep the newer one.
      const kept = last && event.result.iteration <= last.iteration
        ? trial.results.filter((r) => r.iteration < event.result.iteration)
        : trial.results;
      return { ...trial, results: [...kept, event.result] };
    }
    case 'checkpoint':
      if (trial.status !== 'running') throw illegal();
      return { ...trial, checkpoint: event.key };
    case 'complete':
      if (trial.status !== 'running') throw illegal();
      return { ...trial, status: 'terminated', endedAt: event.at };
    case 'early-stop':
      if (trial.status !== 'running') throw illegal();
      return { ...trial, status: 'stopped', stopReason: event.reason, endedAt: event.at };
    case 'fail': {
      if (trial.status !== 'running') throw illegal();
      const failures = trial.failures + 1;
      return failures > event.maxFailures
        ? { ...trial, status: 'error', failures, error: event.error, endedAt: event.at }
        : { ...trial, status: 'pending', failures, error: event.error };
    }
    case 'requeue':
      if (trial.status !== 'running') throw illegal();
      return { ...trial, status: 'pending' };
  }
}

export interface TuneRun {
  version: 1;
  trials: Trial[];
  asha?: AshaState;
}

/**
 * Trials to start now so that at most `maxConcurrent` run, in trial order. Pending trials with a checkpoint
 * (requeued or retried) go first, so interrupted work finishes before new work begins.
 */
export function trialsToStart(run: TuneRun, maxConcurrent: number): string[] {
  const running = run.trials.filter((t) => t.status === 'running').length;
  const free = Math.max(0, maxConcurrent - running);
  const pending = run.trials.filter((t) => t.status === 'pending');
  const ordered = [...pending.filter((t) => t.checkpoint), ...pending.filter((t) => !t.checkpoint)];
  return ordered.slice(0, free).map((t) => t.id);
}

/** After a driver restart: trials that were running have no runner any more; queue them to resume. */
export function recoverRun(run: TuneRun): TuneRun {
  return {
    ...run,
    trials: run.trials.map((t) => (t.status === 'running' ? transitionTrial(t, { type: 'requeue' }) : t)),
  };
}

export function isRunFinished(run: TuneRun): boolean {
  return run.trials.every((t) => FINAL_STATUSES.includes(t.status));
}

/** Replaces one trial by id with `update(trial)`. */
export function updateTrial(run: TuneRun, id: string, update: (t: Trial) => Trial): TuneRun {
  let found = false;
  const trials = run.trials.map((t) => {
    if (t.id !== id) return t;
    found = true;
    return update(t);
  });
  if (!found) throw new RangeError(`no trial ${id} in this run`);
  return { ...run, trials };
}
