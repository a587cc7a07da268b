import { describe, expect, it } from 'vitest';
import { CITY_PROFILES } from '../../tasks/traffic/cities.ts';
import {
  HOUR_MS,
  isoDayOfWeekOf,
  localHourOf,
  UnknownTimeZoneError,
  utcOffsetMs,
  utcOffsetsByHour,
  zonedWallClockToUtc,
} from '../../tasks/traffic/local-time.ts';

describe('local time', () => {
  it('knows DST and half-hour offsets', () => {
    expect(utcOffsetMs('Europe/Berlin', Date.UTC(2026, 0, 15))).toBe(HOUR_MS);
    expect(utcOffsetMs('Europe/Berlin', Date.UTC(2026, 6, 15))).toBe(2 * HOUR_MS);
    expect(utcOffsetMs('Asia/Kolkata', Date.UTC(2026, 6, 15))).toBe(5.5 * HOUR_MS);
    expect(utcOffsetMs('America/Los_Angeles', Date.UTC(2026, 0, 15))).toBe(-8 * HOUR_MS);
    expect(() => utcOffsetMs('Mars/Olympus', 0)).toThrow(UnknownTimeZoneError);
  });

  it('gives per-hour offsets that switch exactly at the DST change', () => {
    // Berlin springs forward at 01:00 UTC on the last Sunday of March (2026-03-29).
    const from = Date.UTC(2026, 2, 28, 0);
    const offsets = utcOffsetsByHour('Europe/Berlin', from, Date.UTC(2026, 2, 30, 0));
    expect(offsets.length).toBe(48);
    for (let k = 0; k < offsets.length; k++) {
      expect(offsets[k]).toBe(utcOffsetMs('Europe/Berlin', from + k * HOUR_MS));
    }
    expect(offsets[24]).toBe(HOUR_MS);
    expect(offsets[25]).toBe(2 * HOUR_MS);
  });

  it('computes ISO day of week and local hour', () => {
    const mondayNoon = Date.UTC(2026, 0, 5, 12); // 2026-01-05 is a Monday
    expect(isoDayOfWeekOf(mondayNoon)).toBe(1);
    expect(isoDayOfWeekOf(mondayNoon + 6 * 86_400_000)).toBe(7);
    expect(localHourOf(mondayNoon)).toBe(12);
    expect(isoDayOfWeekOf(Date.UTC(1969, 11, 31))).toBe(3);
  });

  it('converts wall-clock times in a zone to UTC', () => {
    expect(zonedWallClockToUtc('America/Los_Angeles', Date.UTC(2012, 2, 1, 0, 0))).toBe(Date.UTC(2012, 2, 1, 8, 0));
    expect(zonedWallClockToUtc('Europe/Berlin', Date.UTC(2026, 6, 1, 9, 30))).toBe(Date.UTC(2026, 6, 1, 7, 30));
  });

  it('converts wall-clock times around both DST changes (Berlin, 2026-03-29 02:00 and 2026-10-25 03:00)', () => {
    const berlin = (d: number, h: number, m: number) => zonedWallClockToUtc('Europe/Berlin', Date.UTC(2026, d > 100 ? 9 : 2, d % 100, h, m));
    expect(berlin(29, 1, 30)).toBe(Date.UTC(2026, 2, 29, 0, 30)); // before the change, still +1
    expect(berlin(29, 2, 30)).toBe(Date.UTC(2026, 2, 29, 1, 30)); // in the gap: moved forward (03:30 CEST)
    expect(berlin(29, 3, 30)).toBe(Date.UTC(2026, 2, 29, 1, 30)); // after, +2
    expect(berlin(125, 1, 30)).toBe(Date.UTC(2026, 9, 24, 23, 30)); // before fall-back, +2
    expect(berlin(125, 2, 30)).toBe(Date.UTC(2026, 9, 25, 0, 30)); // ambiguous: the first occurrence
    expect(berlin(125, 3, 30)).toBe(Date.UTC(2026, 9, 25, 2, 30)); // after, +1
    // A zone west of UTC: Los Angeles springs forward at 02:00 on 2026-03-08.
    expect(zonedWallClockToUtc('America/Los_Angeles', Date.UTC(2026, 2, 8, 1, 30))).toBe(Date.UTC(2026, 2, 8, 9, 30));
    expect(zonedWallClockToUtc('America/Los_Angeles', Date.UTC(2026, 2, 8, 3, 30))).toBe(Date.UTC(2026, 2, 8, 10, 30));
  });

  it('agrees, hour by hour over a year of wall-clock time, with the offset it lands on (cached hours included)', () => {
    for (const zone of ['Europe/Berlin', 'America/Los_Angeles', 'Pacific/Auckland', 'Australia/Lord_Howe']) {
      // Every 53 minutes: each wall-clock hour of the year, the changes included, holds at least one probe.
      for (let wall = Date.UTC(2026, 0, 1); wall < Date.UTC(2027, 0, 1); wall += 53 * 60_000) {
        const t = zonedWallClockToUtc(zone, wall);
        const back = t + utcOffsetMs(zone, t);
        // Exact, except in a spring-forward gap, where the time moves forward by the gap (at most an hour).
        if (back !== wall) expect(back - wall, `${zone} ${new Date(wall).toISOString()}`).toBeGreaterThan(0);
        expect(back - wall).toBeLessThanOrEqual(3_600_000);
      }
    }
  });

  it('every city profile has a valid time zone and a unique key', () => {
    expect(CITY_PROFILES).toHaveLength(20);
    expect(new Set(CITY_PROFILES.map((c) => c.key)).size).toBe(20);
    for (const c of CITY_PROFILES) expect(() => utcOffsetMs(c.timeZone, Date.UTC(2026, 0, 1))).not.toThrow();
  });
});

describe('city profiles', () => {
  it('all 20 built-in profiles pass the schema custom profiles must pass', async () => {
    const { cityProfileSchema } = await import('../../tasks/traffic/cities.ts');
    for (const c of CITY_PROFILES) expect(cityProfileSchema.safeParse(c).success).toBe(true);
  });
});
