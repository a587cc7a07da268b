/**
 * Reading a tune run: the best trial by a metric, and the live results table the CLI and dashboard print.
 */
import type { Trial } from './trial.ts';

export interface BestTrialOptions {
  metric: string;
  mode: 'min' | 'max';
  /** `last`: each trial's final report (Ray's default); `best`: its best report at any iteration. @default 'last' */
  scope?: 'last' | 'best';
}

/** The trial's value of `metric` under `scope`, or undefined when it never reported a finite one. */
export function trialMetric(trial: Trial, o: BestTrialOptions): number | undefined {
  const values = trial.results.map((r) => r.metrics[o.metric]).filter((v): v is number => Number.isFinite(v));
  if (values.length === 0) return undefined;
  if ((o.scope ?? 'last') === 'last') {
    const last = trial.results.at(-1)?.metrics[o.metric];
    return Number.isFinite(last) ? last : undefined;
  }
  return o.mode === 'min' ? Math.min(...values) : Math.max(...values);
}

/** The best trial that reported the metric (errored trials excluded), or undefined. Ties go to the earlier trial. */
export function bestTrial(trials: readonly Trial[], o: BestTrialOptions): Trial | undefined {
  let best: { trial: Trial; value: number } | undefined;
  for (const trial of trials) {
    if (trial.status === 'error') continue;
    const value = trialMetric(trial, o);
    if (value === undefined) continue;
    if (!best || (o.mode === 'min' ? value < best.value : value > best.value)) best = { trial, value };
  }
  return best?.trial;
}

function flatten(config: Record<string, unknown>, prefix = ''): [string, unknown][] {
  return Object.entries(config).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? flatten(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

const show = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : Array.isArray(v) ? `[${v}]` : String(v);

/** A fixed-width table: trial, status, every config key, iterations, and the metric (best first when sorted). */
export function formatTrialTable(
  trials: readonly Trial[],
  o: BestTrialOptions & { sort?: boolean },
): string {
  // Keys that are the same in every trial (data paths, ranges) say nothing about the search: leave them out.
  const allKeys = [...new Set(trials.flatMap((t) => flatten(t.config).map(([k]) => k)))];
  const varying = allKeys.filter((k) => new Set(trials.map((t) => show(new Map(flatten(t.config)).get(k)))).size > 1);
  const keys = trials.length > 1 ? varying : allKeys;
  const header = ['trial', 'status', ...keys, 'iter', o.metric];
  const ordered = [...trials];
  if (o.sort) {
    const v = (t: Trial) => trialMetric(t, o) ?? (o.mode === 'min' ? Infinity : -Infinity);
    ordered.sort((a, b) => (o.mode === 'min' ? v(a) - v(b) : v(b) - v(a)));
  }
  const rows = ordered.map((t) => {
    const cfg = new Map(flatten(t.config));
    const m = trialMetric(t, o);
    return [
      t.id,
      t.status,
      ...keys.map((k) => (cfg.has(k) ? show(cfg.get(k)) : '')),
      String(t.results.at(-1)?.iteration ?? 0),
      m === undefined ? '—' : m.toPrecision(5),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const counts = ['pending', 'running', 'terminated', 'stopped', 'error']
    .map((s) => [s, trials.filter((t) => t.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  return [`${trials.length} trials (${counts})`, line(header), ...rows.map(line)].join('\n');
}
