/**
 * Days and instants as the traffic commands take them: `YYYY-MM-DD` (that day's midnight, UTC) or an ISO 8601
 * date-time (UTC unless it names an offset). `Date.parse` alone is not enough: V8 reads `2026-02-30` as
 * March 2, so the calendar date is checked field by field first.
 */

const FORM = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** The instant `text` names, in ms since the epoch, or a reason it names none. */
export function parseInstant(text: string): { ms: number } | { error: string } {
  const v = text.trim();
  const m = FORM.exec(v);
  if (!m) return { error: `"${text}" is not a date (use YYYY-MM-DD, or an ISO 8601 date-time such as 2026-01-31T06:00Z)` };
  const [, y, mo, d, h, mi, s, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return { error: `"${text}" is not a calendar date (${month < 1 || month > 12 ? `there is no month ${month}` : `${y}-${mo} has no day ${day}`})` };
  }
  if (h === undefined) return { ms: probe.getTime() };
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return { error: `"${text}" is not a time of day (hours 00-23, minutes and seconds 00-59)` };
  const ms = Date.parse(`${v.replace(' ', 'T')}${zone ? '' : 'Z'}`);
  return Number.isFinite(ms) ? { ms } : { error: `"${text}" is not a date-time` };
}

/** `YYYY-MM-DD` of an instant, UTC. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
