/**
 * The plan's units: dollars and days. Counts and durations come from the shared formatters (convoy/common).
 */
const DAY_S = 86_400;

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 100) return `$${usd.toFixed(2)}`;
  return `$${Math.round(usd).toLocaleString('en-US')}`;
}

/** Days, to a precision that fits the size: 400,000 / 12.5 / 0.015. */
export function formatDays(seconds: number): string {
  const days = seconds / DAY_S;
  if (!Number.isFinite(days)) return 'never';
  if (days >= 100) return Math.round(days).toLocaleString('en-US');
  if (days >= 1) return days.toFixed(1);
  return days === 0 ? '0' : days.toPrecision(2);
}

/** USD without the sign (the column header carries the unit). */
export function formatUsdAmount(v: number): string {
  return v < 100 ? v.toFixed(2) : Math.round(v).toLocaleString('en-US');
}
