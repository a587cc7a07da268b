/** `convoy plan`: time and cost to reach a target from each source, before spending anything. */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { PlanSource } from '../plan/index.ts';

const PLAN_SOURCES = ['synthetic', 'tomtom', 'here', 'mapbox'] as const;
import { table } from '../../cluster/cli/format.ts';
import { parseCount } from './shared.ts';

/** Where `npm run bench -- collect` leaves its result, so plans use this machine's measured throughput. */
export const COLLECT_BENCH_RESULT = new URL('../../bench/out/collect.json', import.meta.url);

function measuredRate(): number | undefined {
  if (!existsSync(COLLECT_BENCH_RESULT)) return undefined;
  try {
    const raw = JSON.parse(readFileSync(COLLECT_BENCH_RESULT, 'utf8')) as { result?: Record<string, unknown> } & Record<string, unknown>;
    // The bench harness keeps `{bench, args, result}`; a direct run of bench/collect.ts writes the result itself.
    const r = (raw.result ?? raw) as { samples_per_s?: number; workers?: number };
    return r.samples_per_s && r.workers ? r.samples_per_s / r.workers : r.samples_per_s;
  } catch {
    return undefined;
  }
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('estimate time and cost to collect N samples from a source (or all of them)')
    .option('--source <source>', `one of ${PLAN_SOURCES.join(', ')} (default: all, side by side)`)
    .requiredOption('--target <n>', 'samples wanted (e.g. 1e9)')
    .option('--workers <n>', 'cluster workers generating in parallel (synthetic)', '1')
    .option('--keys <n>', 'API keys used side by side', '1')
    .option('--synthetic-rate <samples/s>', 'one worker\'s synthetic throughput (default: the last `npm run bench -- collect`, else 1e6)')
    .option('--json', 'print JSON')
    .action(async (f: { source?: string; target: string; workers: string; keys: string; syntheticRate?: string; json?: boolean }) => {
      const { planAllSources, planCollection, planTableRows } = await import('../plan/index.ts');
      const base = {
        target: parseCount('--target', f.target),
        workers: parseCount('--workers', f.workers),
        keys: parseCount('--keys', f.keys),
        syntheticSamplesPerSecond: f.syntheticRate ? parseCount('--synthetic-rate', f.syntheticRate) : measuredRate(),
      };
      if (f.source && !PLAN_SOURCES.includes(f.source as PlanSource)) throw new TypeError(`--source must be one of ${PLAN_SOURCES.join(', ')}, got "${f.source}"`);
      const plans = f.source ? [planCollection({ ...base, source: f.source as PlanSource })] : planAllSources(base);
      if (f.json) return console.log(JSON.stringify(plans, null, 2));
      const rows = planTableRows(plans);
      const cols = Object.keys(rows[0]!);
      console.log(table(cols, rows.map((r) => cols.map((c) => r[c]!))));
      console.log();
      for (const p of plans) console.log(`${p.source}: ${p.explanation.join(' ')}`);
    });
}
