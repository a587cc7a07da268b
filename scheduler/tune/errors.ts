/** Errors of the tune decisions. Pure code: no I/O, so nothing here carries a cause from outside. */

/** A search space entry is malformed (an empty grid, low ≥ high, a non-positive log bound, …). */
export class SearchSpaceError extends TypeError {
  override readonly name = 'SearchSpaceError';
  constructor(
    /** Dotted path of the bad entry, e.g. `model.hidden`. */
    readonly path: string,
    readonly problem: string,
  ) {
    super(`search space entry "${path}" ${problem}`);
  }
}

/** A trial event arrived in a state that cannot accept it (e.g. a result for a trial that already ended). */
export class IllegalTrialTransitionError extends Error {
  override readonly name = 'IllegalTrialTransitionError';
  constructor(
    readonly trialId: string,
    readonly from: string,
    readonly event: string,
  ) {
    super(`trial ${trialId} cannot take "${event}" while ${from}`);
  }
}
