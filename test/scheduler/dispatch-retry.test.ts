import { describe, expect, it } from 'vitest';
import { admit, leasesWanted, planDispatch } from '../../scheduler/dispatch.ts';
import { backoffDelay, retryDecision } from '../../scheduler/retry.ts';

describe('dispatch', () => {
  it('spreads a small backlog one task per lease instead of piling it on one', () => {
    const plan = planDispatch(4, [{ leaseId: 'a', inFlight: 0 }, { leaseId: 'b', inFlight: 0 }, { leaseId: 'c', inFlight: 0 }, { leaseId: 'd', inFlight: 0 }], 512);
    expect(plan.map((p) => p.count)).toEqual([1, 1, 1, 1]);
  });

  it('pipelines deep for a big backlog, capped at maxInFlight', () => {
    const plan = planDispatch(20_000, [{ leaseId: 'a', inFlight: 0 }, { leaseId: 'b', inFlight: 0 }], 512);
    expect(plan).toEqual([{ leaseId: 'a', count: 512 }, { leaseId: 'b', count: 512 }]);
  });

  it('fills local leases first and never exceeds the depth', () => {
    const plan = planDispatch(3, [{ leaseId: 'far', inFlight: 0 }, { leaseId: 'near', inFlight: 0, local: true }], 512);
    expect(plan[0]).toEqual({ leaseId: 'near', count: 2 });
    const total = planDispatch(10, [{ leaseId: 'a', inFlight: 5 }, { leaseId: 'b', inFlight: 0 }], 512).reduce((s, p) => s + p.count, 0);
    expect(total).toBe(10);
  });

  it('asks for leases only while there is a backlog', () => {
    expect(leasesWanted(0, 2, 0, 100)).toBe(0);
    expect(leasesWanted(10, 2, 0, 100)).toBe(10);
    expect(leasesWanted(10, 98, 0, 100)).toBe(2);
  });

  it('refuses new work past the pending limit with an actionable reason', () => {
    expect(admit(5, 10)).toEqual({ admit: true });
    const no = admit(10, 10);
    expect(no.admit).toBe(false);
    expect(!no.admit && no.reason).toMatch(/maxPendingTasks/);
  });
});

describe('retry policy', () => {
  it('grows the delay exponentially up to the cap, with bounded jitter', () => {
    const policy = { initialMs: 100, multiplier: 2, maxMs: 1000, jitter: 0.2 };
    expect(backoffDelay(1, policy, 0.5)).toBe(100);
    expect(backoffDelay(3, policy, 0.5)).toBe(400);
    expect(backoffDelay(10, policy, 0.5)).toBe(1000);
    expect(backoffDelay(1, policy, 0)).toBe(80);
    expect(backoffDelay(1, policy, 0.999999)).toBe(120);
    expect(() => backoffDelay(0, policy, 0.5)).toThrow(RangeError);
  });

  it('retries system failures up to maxRetries, application errors only when asked', () => {
    expect(retryDecision({ kind: 'system', attempts: 1, maxRetries: 3, retryExceptions: false })).toEqual({ retry: true });
    expect(retryDecision({ kind: 'system', attempts: 4, maxRetries: 3, retryExceptions: false }).retry).toBe(false);
    expect(retryDecision({ kind: 'application', attempts: 1, maxRetries: 3, retryExceptions: false }).retry).toBe(false);
    expect(retryDecision({ kind: 'application', attempts: 1, maxRetries: 3, retryExceptions: true }).retry).toBe(true);
    expect(retryDecision({ kind: 'application', attempts: 1, maxRetries: 3, retryExceptions: ['RateLimitedError'], errorName: 'RateLimitedError' }).retry).toBe(true);
    expect(retryDecision({ kind: 'application', attempts: 1, maxRetries: 3, retryExceptions: ['RateLimitedError'], errorName: 'TypeError' }).retry).toBe(false);
    expect(retryDecision({ kind: 'cancelled', attempts: 1, maxRetries: 3, retryExceptions: true }).retry).toBe(false);
  });
});
