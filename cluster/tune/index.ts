/**
 * `convoy/tune` (also `tune` in `convoy`): hyperparameter search on the cluster: search spaces (grid, choice,
 * uniform, loguniform, randint), `run`, and the trial table. The decisions (space expansion, ASHA, trial
 * states) are pure functions in scheduler/tune/.
 *
 * @example
 * ```ts
 * import { connect } from 'convoy';
 * import { run, grid, loguniform, formatTrialTable } from 'convoy/tune';
 *
 * await using cluster = await connect();
 * const trainable = cluster.actor(new URL('./trainable.ts', import.meta.url), 'MyTrainable');
 * const result = await run(cluster, trainable, {
 *   name: 'speed-mlp', space: { hidden: grid([32, 64]), learningRate: loguniform(1e-4, 1e-2) }, metric: 'validMae', mode: 'min',
 * });
 * console.log(formatTrialTable(result.trials, { metric: 'validMae', mode: 'min' }));
 * ```
 */
export { grid, choice, uniform, loguniform, randint } from '../../scheduler/tune/index.ts';
export type { SearchSpace, TrialConfig, Trial, TuneRun } from '../../scheduler/tune/index.ts';
export { bestTrial, trialMetric, formatTrialTable, type BestTrialOptions } from '../../scheduler/tune/index.ts';
export { run, TuneError, TuneRunInUseError, type Trainable, type TrialContext, type StepResult, type TuneOptions, type TuneResult } from './run.ts';
