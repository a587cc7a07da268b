/**
 * `convoy history [--json]`: what the cluster remembers of finished work, kept in its control store across
 * head restarts: task totals of gone drivers per job, and tune runs with their best trial. (Finished jobs and
 * their logs are `convoy job list` / `convoy job logs`.)
 */
import type { Command } from 'commander';
import type { HistoryReport, TuneRunSummary } from '../../api/head-api.ts';
import { api, resolveTarget } from '../context.ts';
import { table } from '../format.ts';

/** The trial a run's metric ranks first (its last report), or undefined before any trial reported. */
function bestTrial(run: TuneRunSummary) {
  let best: TuneRunSummary['trials'][number] | undefined;
  for (const t of run.trials) {
    const v = t.metrics[run.metric];
    if (v === undefined || !Number.isFinite(v)) continue;
    const b = best?.metrics[run.metric];
    if (b === undefined || (run.mode === 'min' ? v < b : v > b)) best = t;
  }
  return best;
}

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('show finished work the cluster remembers across head restarts: task totals per job and tune runs')
    .option('--address <addr>', 'head address (gRPC host:port or http://host:8265)')
    .option('--token-file <path>', 'cluster token file')
    .option('--json', 'print JSON')
    .action(async (flags: { address?: string; tokenFile?: string; json?: boolean }) => {
      const report = await api<HistoryReport>(resolveTarget(flags), 'GET', '/api/history');
      if (flags.json) return console.log(JSON.stringify(report, null, 2));
      console.log(`task totals of finished drivers (${report.taskSummaries.length} job(s))`);
      if (report.taskSummaries.length) {
        console.log(
          table(
            ['job', 'finished', 'failed', 'cancelled', 'last'],
            report.taskSummaries.map((s) => [s.jobId || '(no job)', s.counts.finished ?? 0, s.counts.failed ?? 0, s.counts.cancelled ?? 0, new Date(s.updatedAt).toISOString()]),
          ),
        );
      }
      console.log(`\ntune runs (${report.tuneRuns.length})`);
      if (report.tuneRuns.length) {
        console.log(
          table(
            ['run', 'job', 'status', 'trials', 'best trial', 'metric'],
            report.tuneRuns.map((r) => {
              const best = bestTrial(r);
              const done = r.trials.filter((t) => ['terminated', 'stopped', 'error'].includes(t.status)).length;
              return [r.name, r.jobId || '-', r.status, `${done}/${r.trials.length}`, best?.trialId ?? '-', best ? `${r.metric} ${best.metrics[r.metric]!.toPrecision(4)} (${r.mode})` : '-'];
            }),
          ),
        );
      }
    });
}
