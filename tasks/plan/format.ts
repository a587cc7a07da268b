/**
 * Human formatting for plans: durations from seconds to years, counts with separators, dollars.
 */
import type { CollectionPlan } from './plan.ts';

const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;
/** Calendar years of 365 days, the way people say "it would take 1,096 years". */
const YEAR = 365 * DAY;

export function formatCount(n: number): string {
  if (n >= 1e6 && Number.isInteger(Math.log10(n))) return `1e${Math.log10(n)}`;
  return Math.round(n).toLocaleString('en-US');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'forever';
  const one = (v: number, unit: string) => {
    const r = v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(0) : v.toFixed(1);
    return `${r} ${unit}${r === '1.0' || r === '1' ? '' : 's'}`;
  };
  if (seconds < MINUTE) return one(seconds, 'second');
  if (seconds < HOUR) return one(seconds / MINUTE, 'minute');
  if (seconds < DAY) return one(seconds / HOUR, 'hour');
  if (seconds < YEAR) return one(seconds / DAY, 'day');
  return one(seconds / YEAR, 'year');
}

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 100) return `$${usd.toFixed(2)}`;
  return `$${Math.round(usd).toLocaleString('en-US')}`;
}

/** Days, to a precision that fits the size: 400,000 / 12.5 / 0.015. */
export function formatDays(seconds: number): string {
  const days = seconds / DAY;
  if (!Number.isFinite(days)) return 'never';
  if (days >= 100) return Math.round(days).toLocaleString('en-US');
  if (days >= 1) return days.toFixed(1);
  return days === 0 ? '0' : days.toPrecision(2);
}

/** USD without the sign (the column header carries the unit). */
function usd(v: number): string {
  return v < 100 ? v.toFixed(2) : Math.round(v).toLocaleString('en-US');
}

/** Column headers, each with its unit. */
export const PLAN_COLUMNS = {
  source: 'source',
  samples: 'samples',
  requests: 'API requests',
  freeDays: 'free tier: time to target (days)',
  paidDays: 'paid: time to target (days)',
  paidCost: 'paid: cost (USD)',
  paidLimit: 'paid: limited by',
} as const;

/** Rows for a CLI table: source, requests, free-tier time, paid time, paid cost, what limits the paid time. */
export function planTableRows(plans: readonly CollectionPlan[]): Record<string, string>[] {
  const c = PLAN_COLUMNS;
  return plans.map((p) => ({
    [c.source]: p.source,
    [c.samples]: formatCount(p.target),
    [c.requests]: p.requests ? formatCount(p.requests) : '-',
    [c.freeDays]: formatDays(p.free.seconds),
    [c.paidDays]: p.paid ? formatDays(p.paid.seconds) : '-',
    [c.paidCost]: p.paid ? usd(p.paid.costUsd) : usd(p.free.costUsd),
    [c.paidLimit]: p.paid ? p.paid.limitedBy.replace(/ \(.*$/, '') : p.free.limitedBy.replace(/ \(.*$/, ''),
  }));
}
