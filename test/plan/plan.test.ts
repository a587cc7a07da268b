import { describe, expect, it } from 'vitest';
import { formatDuration, planTableRows } from '../../tasks/plan/format.ts';
import { InvalidPlanInputError, planAllSources, planCollection } from '../../tasks/plan/plan.ts';
import { PROVIDER_CATALOG, windowCostUsd } from '../../tasks/sources/providers/catalog.ts';

const YEAR_S = 365 * 86_400;

describe('planCollection', () => {
  it('shows that 1e9 samples from one free TomTom key take over a thousand years', () => {
    const p = planCollection({ source: 'tomtom', target: 1e9 });
    expect(p.requests).toBe(1e9);
    expect(p.free.seconds / YEAR_S).toBeCloseTo(1e9 / 2_500 / 365, 1);
    expect(p.explanation[0]).toBe('1e9 samples from one TomTom key at 2,500 free requests/day would take 1,096 years.');
    expect(p.free.costUsd).toBe(0);
    // Paying, the rate limit (10 requests/s) is the bound: about 3.2 years.
    expect(p.paid!.seconds).toBeCloseTo(1e8, 0);
    expect(p.paid!.costUsd).toBeGreaterThan(0);
  });

  it('scales with keys, not with workers, for an API', () => {
    const one = planCollection({ source: 'tomtom', target: 1e7 });
    const ten = planCollection({ source: 'tomtom', target: 1e7, keys: 10 });
    const workers = planCollection({ source: 'tomtom', target: 1e7, workers: 8 });
    expect(ten.free.seconds / one.free.seconds).toBeCloseTo(0.1, 2);
    expect(workers.free.seconds).toBe(one.free.seconds);
    expect(workers.explanation.join(' ')).toMatch(/More workers do not speed this up/);
  });

  it('needs far fewer requests from HERE, which returns many segments per request', () => {
    const here = planCollection({ source: 'here', target: 1e9 });
    expect(here.requests).toBe(1e9 / PROVIDER_CATALOG.here.samplesPerRequest);
    expect(here.paid!.seconds).toBeLessThan(planCollection({ source: 'tomtom', target: 1e9 }).paid!.seconds / 100);
  });

  it('prices Mapbox by its monthly tiers', () => {
    // 500,000 requests in a month: 100,000 free, 400,000 at $2.00 per 1,000.
    expect(windowCostUsd(PROVIDER_CATALOG.mapbox, 500_000)).toBeCloseTo(800, 6);
    expect(windowCostUsd(PROVIDER_CATALOG.mapbox, 1_100_000)).toBeCloseTo(800 + 500 * 1.6 + 100 * 1.2, 6);
    const p = planCollection({ source: 'mapbox', target: 5e6 * 100 });
    expect(p.paid!.costUsd).toBeGreaterThan(0);
    // Within the free tier everything is free and fast.
    const small = planCollection({ source: 'mapbox', target: 1_000 * 100 });
    expect(small.free.seconds).toBeCloseTo(1_000 / PROVIDER_CATALOG.mapbox.ratePerSecond, 6);
    expect(small.paid!.costUsd).toBe(0);
  });

  it('estimates synthetic collection from the measured throughput and the workers', () => {
    const p = planCollection({ source: 'synthetic', target: 1e9, workers: 4, syntheticSamplesPerSecond: 1.25e6 });
    expect(p.free.seconds).toBe(200);
    expect(p.free.costUsd).toBe(0);
    expect(p.paid).toBeUndefined();
    expect(p.explanation[0]).toMatch(/would take 3\.3 minutes, at no cost/);
  });

  it('honours catalog overrides', () => {
    const p = planCollection({ source: 'tomtom', target: 1e6, catalog: { free: { window: 'day', requests: 1e6 } } });
    expect(p.free.seconds).toBeCloseTo(1e6 / 10, 6);
  });

  it('rejects bad input naming the field', () => {
    expect(() => planCollection({ source: 'tomtom', target: -1 })).toThrow(InvalidPlanInputError);
    expect(() => planCollection({ source: 'waze' as never, target: 1 })).toThrow(/source/);
    expect(() => planCollection({ source: 'tomtom', target: 1, keys: 0 })).toThrow(/keys/);
  });

  it('lays all sources side by side for a table', () => {
    const rows = planTableRows(planAllSources({ target: 1e9, workers: 2 }));
    expect(rows.map((r) => r['source'])).toEqual(['synthetic', 'tomtom', 'here', 'mapbox']);
    expect(rows[1]!['free tier']).toBe('1,096 years');
  });

  it('formats durations from seconds to years', () => {
    expect(formatDuration(42)).toBe('42 seconds');
    expect(formatDuration(90)).toBe('1.5 minutes');
    expect(formatDuration(3 * 86_400)).toBe('3.0 days');
    expect(formatDuration(YEAR_S)).toBe('1.0 year');
  });
});
