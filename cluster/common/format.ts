/**
 * Numbers for people: the one set of byte, count, rate and duration formatters (and the plain-text table) that
 * the core CLI, the traffic commands and the plans print with, so a size or a time reads the same everywhere.
 * Counts use `en-US` separators whatever the machine's locale, so output (and tests of it) do not vary.
 */

const MINUTE_S = 60;
const HOUR_S = 3_600;
const DAY_S = 86_400;
/** Calendar years of 365 days, the way people say "it would take 1,096 years". */
const YEAR_S = 365 * DAY_S;

/** A plain-text table: columns padded to their widest cell, a dashed rule under the headers. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

/** Bytes in binary units: `512 B`, `1.5 KiB`, `3.0 GiB` (the scheduler's, which names memory resources the same way). */
export { formatBytes } from '../../scheduler/resources.ts';

export interface CountFormat {
  /** Write a power of ten of at least a million as `1e9` (targets are given that way). @default false */
  powersOfTen?: boolean;
}

/** A count, rounded, with separators: `1,234,567` (or `1e9` with `powersOfTen`). */
export function formatCount(n: number, format: CountFormat = {}): string {
  if (format.powersOfTen && n >= 1e6 && Number.isInteger(Math.log10(n))) return `1e${Math.log10(n)}`;
  return Math.round(n).toLocaleString('en-US');
}

/** A rate per second: `12,345/s`. */
export function formatRate(perSecond: number): string {
  return `${formatCount(perSecond)}/s`;
}

/** A span of time in words, from seconds to years: `42 seconds`, `1.5 minutes`, `3.0 days`; `forever` if infinite. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'forever';
  const one = (v: number, unit: string) => {
    const r = v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(0) : v.toFixed(1);
    return `${r} ${unit}${r === '1.0' || r === '1' ? '' : 's'}`;
  };
  if (seconds < MINUTE_S) return one(seconds, 'second');
  if (seconds < HOUR_S) return one(seconds / MINUTE_S, 'minute');
  if (seconds < DAY_S) return one(seconds / HOUR_S, 'hour');
  if (seconds < YEAR_S) return one(seconds / DAY_S, 'day');
  return one(seconds / YEAR_S, 'year');
}

/** A time left, short enough for a progress line: `45s`, `12m`, `2.5h`; `?` when not known yet. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}
