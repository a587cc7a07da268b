/**
 * Tune decisions, pure: search spaces and their expansion, the ASHA early-stopping decision, the trial state
 * machine, and reading results. The cluster runs the trials; these functions decide what happens next.
 */
export { grid, choice, uniform, loguniform, randint, isDomain, expandSpace, countTrials } from './space.ts';
export type { Domain, SearchSpace, TrialConfig, ExpandOptions } from './space.ts';
export { createAshaState, ashaOnResult, percentile } from './asha.ts';
export type { AshaOptions, AshaState, AshaRung, AshaDecision } from './asha.ts';
export {
  createTrials,
  transitionTrial,
  trialsToStart,
  recoverRun,
  isRunFinished,
  updateTrial,
  trialId,
  FINAL_STATUSES,
} from './trial.ts';
export type { Trial, TrialStatus, TrialEvent, TrialResult, TuneRun } from './trial.ts';
export { bestTrial, trialMetric, formatTrialTable } from './results.ts';
export type { BestTrialOptions } from './results.ts';
export { SearchSpaceError, IllegalTrialTransitionError } from './errors.ts';
