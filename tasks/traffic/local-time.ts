/**
 * Local-time helpers for the `hour` and `day_of_week` columns, which are in the city's local time.
 *
 * Intl is the only time-zone database Node ships, and one `formatToParts` call costs microseconds, so hot
 * paths ask for the UTC offset once per UTC hour (`utcOffsetsByHour`) and then do integer arithmetic per
 * sample. Every real time zone changes its offset only on whole UTC hours or half hours at DST switches,
 * and those fall on a UTC hour boundary for all the cities we model, so one offset per hour is exact.
 */
import { registerTrafficErrors, TrafficError } from './errors.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export class UnknownTimeZoneError extends TrafficError {
  override readonly name = 'UnknownTimeZoneError';
  constructor(
    readonly timeZone: string,
    options?: { cause?: unknown },
  ) {
    super(`unknown IANA time zone "${timeZone}": use a name such as "Europe/Berlin" or "America/New_York"`, options);
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (cause) {
      throw new UnknownTimeZoneError(timeZone, { cause });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Offset of `timeZone` from UTC at instant `utcMs`, in ms (Berlin in winter: +3,600,000). */
export function utcOffsetMs(timeZone: string, utcMs: number): number {
  if (timeZone === 'UTC') return 0;
  const parts = formatterFor(timeZone).formatToParts(new Date(utcMs));
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
    }
  }
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const truncated = utcMs - (((utcMs % 1000) + 1000) % 1000);
  return asUtc - truncated;
}

/**
 * UTC offsets for each UTC hour in [fromMs, toMs): entry k is the offset during the hour starting at
 * `floorHour(fromMs) + k * HOUR_MS`.
 */
export function utcOffsetsByHour(timeZone: string, fromMs: number, toMs: number): Int32Array {
  const first = Math.floor(fromMs / HOUR_MS) * HOUR_MS;
  const hours = Math.max(1, Math.ceil((toMs - first) / HOUR_MS));
  const out = new Int32Array(hours);
  // Offsets change a few times a year: probe each day's start and only fill hour by hour around a change.
  let k = 0;
  while (k < hours) {
    const dayEnd = Math.min(hours, k + 24);
    const a = utcOffsetMs(timeZone, first + k * HOUR_MS);
    const b = utcOffsetMs(timeZone, first + (dayEnd - 1) * HOUR_MS);
    if (a === b) {
      out.fill(a, k, dayEnd);
    } else {
      for (let j = k; j < dayEnd; j++) out[j] = utcOffsetMs(timeZone, first + j * HOUR_MS);
    }
    k = dayEnd;
  }
  return out;
}

/** Local hour 0–23 of a local-clock millisecond value (`utcMs + offset`). */
export function localHourOf(localMs: number): number {
  return Math.floor((((localMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}

/** ISO day of week 1 = Monday … 7 = Sunday of a local-clock millisecond value. 1970-01-01 was a Thursday. */
export function isoDayOfWeekOf(localMs: number): number {
  const days = Math.floor(localMs / DAY_MS);
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

/**
 * Converts a wall-clock time in `timeZone` (given as if it were UTC: `Date.UTC(y, m, d, h, …)`) to the real
 * UTC instant. Ambiguous times in the DST fall-back hour resolve to the first occurrence; times in the
 * spring-forward gap move forward by the gap, like most databases do.
 */
export function zonedWallClockToUtc(timeZone: string, wallClockAsUtcMs: number): number {
  // Imports call this once per reading, and each offset lookup costs ~15-60 us (Intl formatToParts), so the
  // offset of a wall-clock hour is cached when no change lies within 15 hours of it (offsets span -12..+14 h, so
  // the instant sought lies in that window); other hours (a few a year) take the full path below.
  const hour = Math.floor(wallClockAsUtcMs / HOUR_MS);
  let hours = stableWallOffsets.get(timeZone);
  if (!hours) stableWallOffsets.set(timeZone, (hours = new Map()));
  let stable = hours.get(hour);
  if (stable === undefined) {
    const start = hour * HOUR_MS;
    const before = utcOffsetMs(timeZone, start - 15 * HOUR_MS);
    stable = before === utcOffsetMs(timeZone, start + 16 * HOUR_MS) ? before : NaN;
    if (hours.size > 200_000) hours.clear();
    hours.set(hour, stable);
  }
  if (!Number.isNaN(stable)) return wallClockAsUtcMs - stable;
  // The offsets in force 15 hours before and after: a wall-clock time w is the instant w - o for whichever of
  // them holds at w - o. Taking the offset at w itself goes wrong in the hours before a spring-forward (01:30 in
  // Berlin on its change day read +2 and landed an hour early).
  const before = utcOffsetMs(timeZone, wallClockAsUtcMs - 15 * HOUR_MS);
  const after = utcOffsetMs(timeZone, wallClockAsUtcMs + 15 * HOUR_MS);
  const valid = [before, after].map((o) => wallClockAsUtcMs - o).filter((t) => wallClockAsUtcMs - utcOffsetMs(timeZone, t) === t);
  if (valid.length > 0) return Math.min(...valid);
  // In the spring-forward gap: neither holds; read it with the offset before the gap, which lands past it.
  return wallClockAsUtcMs - before;
}

/** Per zone, per wall-clock hour: its UTC offset when no change is near, else NaN (see zonedWallClockToUtc). */
const stableWallOffsets = new Map<string, Map<number, number>>();

registerTrafficErrors(UnknownTimeZoneError);
