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

/** Rows for a CLI table: source, requests, free-tier time, paid time, paid cost. */
export function planTableRows(plans: readonly CollectionPlan[]): Record<string, string>[] {
  return plans.map((p) => ({
    source: p.source,
    samples: formatCount(p.target),
    requests: p.requests ? formatCount(p.requests) : '-',
    'free tier': formatDuration(p.free.seconds),
    paid: p.paid ? formatDuration(p.paid.seconds) : '-',
    'paid cost': p.paid ? formatUsd(p.paid.costUsd) : formatUsd(p.free.costUsd),
  }));
}
