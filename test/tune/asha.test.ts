import { describe, expect, it } from 'vitest';
import { ashaOnResult, createAshaState, percentile, type AshaOptions, type AshaState } from '../../scheduler/tune/index.ts';

describe('ASHA', () => {
  const options: AshaOptions = { metric: 'validMae', mode: 'min', gracePeriod: 1, reductionFactor: 2, maxT: 8 };

  it('places rungs at grace·rf^k below maxT', () => {
    expect(createAshaState(options).rungs.map((r) => r.milestone)).toEqual([4, 2, 1]);
  });

  it('stops the worse trials at each rung and lets the better ones run to maxT', () => {
    // Eight trials whose loss is proportional to their index, reporting round-robin per epoch.
    let state: AshaState = createAshaState(options);
    const alive = new Set(Array.from({ length: 8 }, (_, i) => i));
    const stoppedAt = new Map<number, number>();
    for (let epoch = 1; epoch <= 8; epoch++) {
      for (const t of [...alive]) {
        const loss = (t + 1) * (1 + 1 / epoch);
        const r = ashaOnResult(state, options, `t${t}`, epoch, loss);
        state = r.state;
        if (r.decision.action === 'stop') {
          alive.delete(t);
          stoppedAt.set(t, epoch);
        }
      }
    }
    // trial 0 (best) is never cut and completes at maxT; the worst is cut at the first rung
    expect(stoppedAt.get(0)).toBe(8);
    expect(stoppedAt.get(7)).toBe(1);
    // better trials always run at least as long as worse ones
    for (let t = 1; t < 8; t++) expect(stoppedAt.get(t)!).toBeLessThanOrEqual(stoppedAt.get(t - 1)!);
    const stoppedEarly = [...stoppedAt].filter(([, e]) => e < 8).length;
    expect(stoppedEarly).toBeGreaterThanOrEqual(4);
  });

  it('stops a trial below the rung cutoff in max mode and never mutates the given state', () => {
    const o: AshaOptions = { metric: 'acc', mode: 'max', gracePeriod: 1, reductionFactor: 4, maxT: 100 };
    let state = createAshaState(o);
    for (const [id, acc] of [['a', 0.9], ['b', 0.8], ['c', 0.7], ['d', 0.6]] as const) {
      state = ashaOnResult(state, o, id, 1, acc).state;
    }
    const before = JSON.stringify(state);
    const low = ashaOnResult(state, o, 'e', 1, 0.5);
    expect(low.decision).toMatchObject({ action: 'stop', reason: 'below_cutoff', milestone: 1 });
    expect((low.decision as { cutoff: number }).cutoff).toBeCloseTo(percentile([0.9, 0.8, 0.7, 0.6], 75)!, 10);
    expect(ashaOnResult(state, o, 'f', 1, 0.95).decision.action).toBe('continue');
    expect(JSON.stringify(state)).toBe(before);
    // a diverged trial (NaN metric) is stopped once a rung has a cutoff
    expect(ashaOnResult(state, o, 'g', 1, Number.NaN).decision.action).toBe('stop');
  });

  it('interpolates percentiles like numpy', () => {
    expect(percentile([1, 2, 3, 4], 75)).toBeCloseTo(3.25, 10);
    expect(percentile([5], 50)).toBe(5);
    expect(percentile([], 50)).toBeUndefined();
  });
});
