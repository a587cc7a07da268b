/**
 * How a bench result is printed: one JSON line first (what scripts and CI read), then a table for people.
 *
 * The generic table pairs each of our figures with a peer's: `convoy_sync_tasks_per_s` with
 * `dask_sync_tasks_per_s`, `write_rows_per_s` with `duckdb_write_rows_per_s`, and shows ours/peer. Whatever
 * is not paired is listed below it. A bench can render its own table instead (see bench/index.ts).
 */
import { ratio } from './stats.ts';

export type BenchResult = Record<string, number | string>;

export interface Comparison {
  readonly metric: string;
  readonly ours: number;
  readonly peer: string;
  readonly theirs: number;
  readonly ratio: number | undefined;
}

/** Our figures next to a peer's: keys `<peer>_<metric>` where ours is `<metric>` or `convoy_<metric>`. */
export function findComparisons(result: BenchResult): Comparison[] {
  const out: Comparison[] = [];
  for (const [key, ours] of Object.entries(result)) {
    if (typeof ours !== 'number') continue;
    const metric = key.startsWith('convoy_') ? key.slice('convoy_'.length) : key;
    for (const [other, theirs] of Object.entries(result)) {
      if (other === key || typeof theirs !== 'number' || !other.endsWith(`_${metric}`)) continue;
      const peer = other.slice(0, -(metric.length + 1));
      if (!/^[a-z0-9]+$/.test(peer) || peer === 'convoy') continue;
      out.push({ metric, ours, peer, theirs, ratio: ratio(ours, theirs) });
    }
  }
  return out;
}

export function formatNumber(v: number | string | undefined): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) >= 100 ? 0 : 3 });
}

const NUMERIC = /^[-+]?[\d,.]+(x|%)?$/;

/** A plain text table: the first row is the header; by default cells that look like numbers are right-aligned. */
export function textTable(
  rows: readonly (readonly string[])[],
  rightAlign: (col: number, cell: string) => boolean = (c, cell) => c > 0 && NUMERIC.test(cell),
): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => (rightAlign(c, cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The generic readable form: comparisons with ratios, then every other field. */
export function formatResultTable(result: BenchResult): string {
  const comparisons = findComparisons(result);
  const parts: string[] = [];
  if (comparisons.length > 0) {
    parts.push(
      textTable([
        ['metric', 'ours', 'peer', 'theirs', 'ours/theirs'],
        ...comparisons.map((c) => [c.metric, formatNumber(c.ours), c.peer, formatNumber(c.theirs), c.ratio === undefined ? '—' : `${c.ratio}x`]),
      ], (c) => c !== 0 && c !== 2),
    );
  }
  const paired = new Set(comparisons.flatMap((c) => [c.metric, `convoy_${c.metric}`, `${c.peer}_${c.metric}`]));
  const rest = Object.entries(result).filter(([k]) => !paired.has(k));
  if (rest.length > 0) parts.push(textTable([['field', 'value'], ...rest.map(([k, v]) => [k, formatNumber(v)])]));
  return parts.join('\n\n');
}

/** The JSON line (first, on its own line) and the table, as one string ready to write to stdout. */
export function renderResult(result: BenchResult, table: string = formatResultTable(result)): string {
  return `${JSON.stringify(result)}\n\n${table}\n`;
}

/** Writes to stdout and waits until it is flushed (a pipe is asynchronous; exiting early would cut it). */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}

/** Checks that a bench returned a flat record of numbers and strings, naming the first bad field. */
export function assertBenchResult(value: unknown, bench: string): asserts value is BenchResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`bench "${bench}" returned ${value === null ? 'null' : typeof value}; run() must return a record of numbers and strings`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) continue;
    throw new TypeError(`bench "${bench}" returned field "${k}" = ${String(v)}; fields must be finite numbers or strings`);
  }
}
