/**
 * ASHA, asynchronous successive halving (Li et al., 2020), as a pure decision on each reported result.
 *
 * Rungs sit at iterations `gracePeriod · reductionFactor^k` below `maxT`. The first time a trial reports at or
 * past a rung, its metric is compared with the values earlier trials recorded there: if it is not within the
 * top `1 / reductionFactor` (the `(1 − 1/rf)` quantile, interpolated like numpy's percentile), the trial
 * stops; either way its value is recorded. Trials never wait for each other, which is what makes it fit a
 * cluster where trials start and finish at different times. This follows Ray Tune's `AsyncHyperBandScheduler`
 * with one bracket.
 *
 * The state is plain JSON: the driver persists it with the trials and a resumed driver continues with it.
 */
export interface AshaOptions {
  /** Name of the metric in each result. */
  metric: string;
  mode: 'min' | 'max';
  /** Iterations a trial runs before it can be stopped. @default 1 */
  gracePeriod?: number;
  /** Keep the top 1/rf at each rung. @default 4 */
  reductionFactor?: number;
  /** A trial stops (completed) once it reaches this iteration. @default 100 */
  maxT?: number;
}

export interface AshaRung {
  milestone: number;
  /** trialId → metric value recorded when the trial passed this rung (always "larger is better"). */
  recorded: Record<string, number>;
}

export interface AshaState {
  /** Rungs, highest milestone first (checked in that order, like Ray). */
  rungs: AshaRung[];
}

export type AshaDecision =
  | { action: 'continue' }
  | { action: 'stop'; reason: 'max_t' | 'below_cutoff'; milestone?: number; cutoff?: number };

function resolved(o: AshaOptions) {
  const gracePeriod = o.gracePeriod ?? 1;
  const reductionFactor = o.reductionFactor ?? 4;
  const maxT = o.maxT ?? 100;
  if (!(gracePeriod >= 1) || !(reductionFactor > 1) || !(maxT >= gracePeriod)) {
    throw new RangeError(
      `ASHA needs gracePeriod ≥ 1, reductionFactor > 1 and maxT ≥ gracePeriod; got ${gracePeriod}, ` +
        `${reductionFactor}, ${maxT}`,
    );
  }
  return { gracePeriod, reductionFactor, maxT };
}

export function createAshaState(options: AshaOptions): AshaState {
  const { gracePeriod, reductionFactor, maxT } = resolved(options);
  const rungs: AshaRung[] = [];
  for (let m = gracePeriod; m < maxT; m *= reductionFactor) rungs.push({ milestone: m, recorded: {} });
  return { rungs: rungs.reverse() };
}

/** Linear-interpolated percentile of finite values (numpy's default), or undefined when there are none. */
export function percentile(values: readonly number[], q: number): number | undefined {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const pos = (q / 100) * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

/**
 * Decides on one result of `trialId` at `iteration` (1-based count of reports, e.g. epochs) with `value` of the
 * metric. Returns the decision and the new state; the input state is not modified.
 */
export function ashaOnResult(
  state: AshaState,
  options: AshaOptions,
  trialId: string,
  iteration: number,
  value: number,
): { decision: AshaDecision; state: AshaState } {
  const { reductionFactor, maxT } = resolved(options);
  const score = options.mode === 'max' ? value : -value;
  const rungs = state.rungs.map((r) => ({ milestone: r.milestone, recorded: { ...r.recorded } }));
  let decision: AshaDecision = { action: 'continue' };
  for (const rung of rungs) {
    if (iteration < rung.milestone || trialId in rung.recorded) continue;
    const cutoff = percentile(Object.values(rung.recorded), (1 - 1 / reductionFactor) * 100);
    if (cutoff !== undefined && !(score >= cutoff)) {
      decision = {
        action: 'stop',
        reason: 'below_cutoff',
        milestone: rung.milestone,
        cutoff: options.mode === 'max' ? cutoff : -cutoff,
      };
    }
    if (Number.isFinite(score)) rung.recorded[trialId] = score;
    break;
  }
  if (decision.action === 'continue' && iteration >= maxT) decision = { action: 'stop', reason: 'max_t' };
  return { decision, state: { rungs } };
}
