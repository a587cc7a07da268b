import { describe, expect, it } from 'vitest';
import { demandTable, BINS_PER_DAY, INCIDENT_WINDOW_MS, incidentLoss, seasonalFactor, wetness } from '../internal.ts';
import { cityProfile } from '../../tasks/traffic/cities.ts';

describe('synthetic traffic patterns', () => {
  it('peaks demand at the profile\'s rush hours on weekdays and at its leisure peak on weekends', () => {
    const p = cityProfile('madrid');
    const d = demandTable(p);
    const at = (day: number, h: number) => d[(day - 1) * BINS_PER_DAY + h * 12]!;
    const weekdayPeakBin = Array.from({ length: BINS_PER_DAY }, (_, b) => d[b]!).reduce((best, v, b, all) => (v > all[best]! ? b : best), 0);
    expect(Math.abs(weekdayPeakBin / 12 - p.rushHour.eveningPeak)).toBeLessThan(1);
    expect(at(2, 4)).toBeLessThan(0.2);
    expect(at(6, 8)).toBeLessThan(at(2, 8) / 2);
    expect(at(7, 13)).toBeGreaterThan(at(7, 8));
  });

  it('makes incidents that hit hard while they last and then recover', () => {
    const p = { perSegmentPerDay: 2, meanDurationMin: 45, severity: 0.5, recoveryMin: 20 }; // frequent, to find one quickly
    const w = 1000;
    let found = false;
    for (let seg = 0; seg < 200 && !found; seg++) {
      const loss = (t: number) => incidentLoss(seg, w * INCIDENT_WINDOW_MS + t, p);
      const samples = Array.from({ length: 360 }, (_, m) => loss(m * 60_000));
      // An onset: no loss one minute, the full loss the next (tails of earlier incidents start above 0).
      const start = samples.findIndex((l, i) => i > 0 && samples[i - 1] === 0 && l > 0);
      if (start < 0) continue;
      const peak = samples[start]!;
      const end = samples.findIndex((l, i) => i > start && l < peak);
      if (end < 0 || end + 90 >= samples.length) continue;
      found = true;
      expect(peak).toBeGreaterThan(0.2);
      expect(samples[end + 10]!).toBeLessThan(samples[end]!);
      expect(samples[end + 90]!).toBeLessThan(peak * 0.05);
    }
    expect(found).toBe(true);
  });

  it('is wet for about the profile\'s share of hours, in spells rather than single hours', () => {
    const fraction = cityProfile('london').weather.wetFraction;
    let wet = 0;
    let changes = 0;
    let prev = false;
    const hours = 24 * 365;
    for (let h = 0; h < hours; h++) {
      const isWet = wetness(12345, fraction, 490_000 + h) > 0;
      if (isWet) wet++;
      if (h > 0 && isWet !== prev) changes++;
      prev = isWet;
    }
    expect(wet / hours).toBeGreaterThan(fraction * 0.5);
    expect(wet / hours).toBeLessThan(fraction * 1.5);
    expect(wet / Math.max(1, changes / 2)).toBeGreaterThan(1.5); // mean spell longer than an hour
  });

  it('dips demand in the low season', () => {
    const p = cityProfile('paris');
    const august = seasonalFactor(p, Date.UTC(2026, 7, 15));
    const february = seasonalFactor(p, Date.UTC(2026, 1, 15));
    expect(august).toBeCloseTo(1 - p.seasonal.amplitude, 2);
    expect(february).toBeGreaterThan(august + p.seasonal.amplitude);
  });
});
