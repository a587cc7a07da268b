import { describe, expect, it } from 'vitest';
import {
  IllegalTrialTransitionError,
  bestTrial,
  trialMetric,
  createTrials,
  expandSpace,
  formatTrialTable,
  grid,
  isRunFinished,
  recoverRun,
  transitionTrial,
  trialsToStart,
  updateTrial,
  type TuneRun,
} from '../../scheduler/tune/index.ts';

const result = (iteration: number, mae: number) => ({ type: 'result' as const, result: { iteration, metrics: { mae }, at: iteration } });

describe('trial life cycle', () => {
  it('moves through pending → running → terminated and refuses events out of order', () => {
    let [t] = createTrials([{ lr: 0.1 }]);
    expect(t!.id).toBe('trial_00000');
    expect(() => transitionTrial(t!, result(1, 3))).toThrow(IllegalTrialTransitionError);
    t = transitionTrial(t!, { type: 'start', at: 10 });
    t = transitionTrial(t, result(1, 3));
    t = transitionTrial(t, { type: 'checkpoint', key: 'ckpt/trial_00000' });
    t = transitionTrial(t, { type: 'complete', at: 20 });
    expect(t).toMatchObject({ status: 'terminated', startedAt: 10, endedAt: 20, checkpoint: 'ckpt/trial_00000' });
    expect(() => transitionTrial(t!, { type: 'start', at: 30 })).toThrow(/cannot take "start" while terminated/);
  });

  it('retries a failed trial until maxFailures, then marks it errored', () => {
    let [t] = createTrials([{}]);
    for (let i = 0; i < 2; i++) {
      t = transitionTrial(transitionTrial(t!, { type: 'start', at: i }), { type: 'fail', at: i, error: 'oom', maxFailures: 1 });
    }
    expect(t).toMatchObject({ status: 'error', failures: 2, error: 'oom' });
  });

  it('schedules up to maxConcurrent, resumes requeued trials first after a driver crash, and names the best', () => {
    let run: TuneRun = { version: 1, trials: createTrials(expandSpace({ lr: grid([1, 2]), h: grid([8, 16, 32]) })) };
    expect(run.trials).toHaveLength(6);
    const first = trialsToStart(run, 2);
    expect(first).toEqual(['trial_00000', 'trial_00001']);
    for (const id of first) run = updateTrial(run, id, (t) => transitionTrial(t, { type: 'start', at: 0 }));
    expect(trialsToStart(run, 2)).toEqual([]);
    run = updateTrial(run, 'trial_00001', (t) => transitionTrial(transitionTrial(t, result(1, 5)), { type: 'checkpoint', key: 'k1' }));
    // the driver dies; a new one loads the persisted run
    run = recoverRun(JSON.parse(JSON.stringify(run)) as TuneRun);
    expect(run.trials.filter((t) => t.status === 'running')).toHaveLength(0);
    expect(trialsToStart(run, 2)).toEqual(['trial_00001', 'trial_00000']);
    run = { ...run, trials: run.trials.map((t, i) => transitionTrial(transitionTrial(transitionTrial(t, { type: 'start', at: 1 }), result(2, 10 - i)), { type: 'complete', at: 2 })) };
    expect(isRunFinished(run)).toBe(true);
    // a resumed trial re-reporting iteration 2 replaces nothing before it
    expect(run.trials[1]!.results.map((r) => r.iteration)).toEqual([1, 2]);
    const best = bestTrial(run.trials, { metric: 'mae', mode: 'min' });
    expect(best?.id).toBe('trial_00005');
    expect(best?.config).toEqual({ lr: 2, h: 32 });
    // A trial judged by its last report (the checkpoint's weights) is not credited with an earlier, better one.
    expect(trialMetric(run.trials[1]!, { metric: 'mae', mode: 'min' })).toBe(9);
    expect(trialMetric(run.trials[1]!, { metric: 'mae', mode: 'min', scope: 'best' })).toBe(5);
    const table = formatTrialTable(run.trials, { metric: 'mae', mode: 'min', sort: true });
    expect(table.split('\n')[0]).toBe('6 trials (6 terminated)');
    expect(table.split('\n')[2]).toMatch(/^trial_00005\s+terminated\s+2\s+32\s+2\s+5\.0000$/);
  });
});
