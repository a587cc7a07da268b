/**
 * Hyperparameter search on the cluster: search spaces (grid, choice, uniform, loguniform, randint) and `run`.
 * The decisions (space expansion, ASHA, trial states) are pure functions in scheduler/tune/.
 */
export { grid, choice, uniform, loguniform, randint } from '../../scheduler/tune/index.ts';
export type { SearchSpace, TrialConfig, Trial, TuneRun } from '../../scheduler/tune/index.ts';
export { bestTrial, trialMetric, formatTrialTable, type BestTrialOptions } from '../../scheduler/tune/index.ts';
export { run, TuneError, TuneRunInUseError, type Trainable, type TrialContext, type StepResult, type TuneOptions, type TuneResult } from './run.ts';
