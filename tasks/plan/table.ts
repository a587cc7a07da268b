/**
 * The plan as a CLI table: one row per source, columns with their units in the headers.
 */
import { formatCount } from '../../cluster/common/index.ts';
import { formatDays, formatUsdAmount } from './format.ts';
import type { CollectionPlan } from './plan.ts';

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
    [c.samples]: formatCount(p.target, { powersOfTen: true }),
    [c.requests]: p.requests ? formatCount(p.requests, { powersOfTen: true }) : '-',
    [c.freeDays]: formatDays(p.free.seconds),
    [c.paidDays]: p.paid ? formatDays(p.paid.seconds) : '-',
    [c.paidCost]: p.paid ? formatUsdAmount(p.paid.costUsd) : formatUsdAmount(p.free.costUsd),
    [c.paidLimit]: p.paid ? p.paid.limitedBy.replace(/ \(.*$/, '') : p.free.limitedBy.replace(/ \(.*$/, ''),
  }));
}
