/**
 * A trial's learning curve as the head keeps it (TuneTrialSummary.curve): its metric per iteration, bounded so
 * that a tune report of thousands of long trials stays small. Past the bound the curve keeps evenly spaced
 * iterations, and always the first and the last (the value the trial is judged by).
 */
import { TUNE_CURVE_POINTS } from '../api/head-api.ts';
import type { TrialResult } from '../../scheduler/tune/index.ts';

export function learningCurve(results: readonly TrialResult[], metric: string, maxPoints = TUNE_CURVE_POINTS): [number, number][] {
  const all = results.flatMap((r): [number, number][] => {
    const v = r.metrics[metric];
    return typeof v === 'number' && Number.isFinite(v) ? [[r.iteration, v]] : [];
  });
  if (all.length <= maxPoints) return all;
  const step = (all.length - 1) / (maxPoints - 1);
  return Array.from({ length: maxPoints }, (_, i) => all[Math.round(i * step)]!);
}
