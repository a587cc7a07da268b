/**
 * Task throughput: no-op tasks per second through Convoy, with Dask distributed side by side in the same run.
 *
 *   npm run bench -- tasks [--reps 3] [--sync-tasks 2000] [--async-tasks 20000] [--clients 4]
 *                          [--tasks-per-client 5000] [--warmup 2000] [--sync-warmup 4000] [--workers 2] [--no-dask]
 *
 * Three rounds, each repeated `--reps` times and reported as the median (the machine is shared and noisy):
 * - sync: one client submits a task and waits for its result, one at a time (latency-bound).
 * - async: one client submits `--async-tasks` tasks, then gets them all (throughput-bound).
 * - multi_client: `--clients` separate client processes each submit and get `--tasks-per-client` tasks at
 *   once; the rate is all their tasks over the wall time from a common start signal to the last one done.
 *
 * Convoy runs on its embedded cluster layout (a head and `--workers` worker processes on loopback, the CPUs
 * split between them); Dask on a LocalCluster of `--workers` worker processes with one thread each, driven
 * its fastest way (client.map then gather; see bench/peers/dask_tasks.py). Both stay up for the whole run and
 * the rounds alternate between them rep by rep, so a noisy minute hurts both. Each turn starts once both
 * systems' processes are quiet, with an untimed pre-roll of a tenth of its tasks (at most 500). Dask comes
 * from Debian's python3-distributed, installed with apt when missing; if it cannot be had, Convoy's figures
 * are reported with `dask_error` saying why. Also reported: Convoy's CPU time per task by process role
 * (where the time goes) and the load average before and after (other work on the machine moves the figures).
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { booleanFlag, countFlag, parseBenchOptions } from './lib/options.ts';
import { startCpuMeter, waitUntilQuiet } from './lib/proc-cpu.ts';
import { formatNumber, renderResult, textTable, writeStdout, type BenchResult } from './lib/report.ts';
import { perSecond, ratio, round, summarize, type Repeated } from './lib/stats.ts';
import { ConvoySystem, DaskSystem, ROUNDS, type RoundName, type TaskSystem } from './lib/task-systems.ts';

export { ROUNDS, type RoundName };

export const tasksOptionsSchema = z.object({
  /** Timed runs of each round; the median is reported. @default 3 */
  reps: countFlag(3),
  /** Tasks in one sync run (submit, get, repeat). @default 2000 */
  syncTasks: countFlag(2000),
  /** Tasks in one async run (submit all, then get all). @default 20000 */
  asyncTasks: countFlag(20_000),
  /** Client processes in the multi-client round. @default 4 */
  clients: countFlag(4),
  /** Tasks each client submits in one multi-client run. @default 5000 */
  tasksPerClient: countFlag(5000),
  /** Untimed async tasks first, so modules are loaded, threads are up and connections are open. @default 2000 */
  warmup: countFlag(2000),
  /**
   * Untimed one-at-a-time tasks on Convoy before the first sync run: V8 compiles the per-round-trip path in
   * the client and the workers in tiers, and the sync rate keeps climbing for the first few thousand round
   * trips (measured here: about 600/s over the first 500, above 1,400/s after 4,000). Dask's peer needs no
   * such warm-up (CPython has no JIT; its sync runs are flat) and does 200. @default 4000
   */
  syncWarmup: countFlag(4000),
  /** Worker processes, for Convoy and Dask alike. @default 2 */
  workers: countFlag(2),
  /** Run Dask distributed side by side. @default true */
  dask: booleanFlag(true),
});

export type TasksOptions = z.output<typeof tasksOptionsSchema>;


/** What a bench run reports while it goes; the default prints one line per event to stderr. */
export type TasksProgress =
  | { readonly kind: 'setup'; readonly system: string; readonly message: string }
  | { readonly kind: 'measured'; readonly system: string; readonly round: RoundName; readonly rep: number; readonly reps: number; readonly tasks: number; readonly tasksPerS: number };

const CPU_ROLES = ['client', 'head', 'workers'] as const;

/** Published single-client figures from Ray's benchmarks (64 vCPUs), for context only; not measured here. */
const RAY_PUBLISHED = { sync: 980, async: 8000 } as const;
/** The issue's targets on the 2-core development machine. */
export const TARGETS: Partial<Record<RoundName, number>> = { sync: 1000, async: 10_000 };

/** Total tasks a round of one rep runs (the multi-client round runs `tasks` in each client). */
function roundTasks(o: TasksOptions, r: RoundName): { perCall: number; total: number } {
  if (r === 'sync') return { perCall: o.syncTasks, total: o.syncTasks };
  if (r === 'async') return { perCall: o.asyncTasks, total: o.asyncTasks };
  return { perCall: o.tasksPerClient, total: o.tasksPerClient * o.clients };
}

/** Untimed tasks before each timed run: a tenth of it, at most 500. */
export const preRoll = (tasks: number) => Math.min(500, Math.ceil(tasks / 10));

const printProgress = (p: TasksProgress) =>
  process.stderr.write(
    p.kind === 'setup'
      ? `[tasks] ${p.system}: ${p.message}\n`
      : `[tasks] ${p.system} ${p.round} ${p.rep}/${p.reps}: ${formatNumber(Math.round(p.tasksPerS))} tasks/s (${formatNumber(p.tasks)} tasks)\n`,
  );

export async function run(args: string[], onProgress: (p: TasksProgress) => void = printProgress): Promise<BenchResult> {
  const o = parseBenchOptions(tasksOptionsSchema, args);
  const setup = (system: string) => (message: string) => onProgress({ kind: 'setup', system, message });
  const systems: TaskSystem[] = [];
  let daskError: string | undefined;
  let daskVersion: string | undefined;
  const rates = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const loadBefore = os.loadavg()[0]!;
  try {
    systems.push(await ConvoySystem.start(o, setup('convoy')));
    if (o.dask) {
      try {
        const dask = await DaskSystem.start(o, setup('dask'));
        daskVersion = dask.version;
        systems.push(dask);
      } catch (err) {
        daskError = (err as Error).message.split('\n')[0];
        setup('dask')(`unavailable, reporting Convoy alone: ${daskError}`);
      }
    }
    for (const r of ROUNDS) {
      const { perCall, total } = roundTasks(o, r);
      for (let rep = 0; rep < o.reps; rep++) {
        // Alternate who goes first, so a slow stretch of the machine does not always land on the same one.
        const order = rep % 2 === 0 ? [...systems] : [...systems].reverse();
        for (const s of order) {
          let ms: number;
          try {
            // Whoever ran last may still be cleaning up (Dask releases its keys for a second or more after
            // gather returns): start when every system's processes are quiet.
            await waitUntilQuiet(systems.flatMap((x) => x.pids()));
            // An untimed pre-roll first: after the other system's turn, leases, connections and caches are
            // warm again and the timed run measures steady state, not the first few round trips.
            await s.measure(r, preRoll(perCall));
            const meter = s.processes ? startCpuMeter(s.processes(r)) : undefined;
            ms = await s.measure(r, perCall);
            for (const [group, used] of Object.entries(meter?.() ?? {})) {
              const key = `${s.name}_${r}_${group}`;
              cpu.set(key, [...(cpu.get(key) ?? []), (used * 1000) / total]);
            }
          } catch (err) {
            if (s.name !== 'dask') throw err;
            daskError = `failed in the ${r} round: ${(err as Error).message.split('\n')[0]}`;
            setup('dask')(`${daskError}; reporting Convoy alone`);
            systems.splice(systems.indexOf(s), 1);
            await s.close().catch(() => undefined);
            continue;
          }
          const tasksPerS = perSecond(total, ms);
          const key = `${s.name}_${r}`;
          rates.set(key, [...(rates.get(key) ?? []), tasksPerS]);
          onProgress({ kind: 'measured', system: s.name, round: r, rep: rep + 1, reps: o.reps, tasks: total, tasksPerS });
        }
      }
    }
  } finally {
    await Promise.allSettled(systems.map((s) => s.close()));
  }
  const result = buildResult(o, rates, { cpu, daskVersion, daskError });
  // Other work on a shared machine moves these figures; the load average says how busy it was.
  result.load_avg_1m_before = round(loadBefore, 2);
  result.load_avg_1m_after = round(os.loadavg()[0]!, 2);
  return result;
}

export interface ResultExtras {
  /** CPU µs per task of each process role, per rep, keyed `<system>_<round>_<role>`. */
  cpu?: ReadonlyMap<string, readonly number[]>;
  daskVersion?: string;
  daskError?: string;
}

/**
 * The flat JSON result: medians, ratios convoy/dask, CPU µs per task by process role (`client`, `head`,
 * `workers`: where the time goes), every run, and the setup that produced them.
 */
export function buildResult(o: TasksOptions, rates: ReadonlyMap<string, readonly number[]>, extras: ResultExtras = {}): BenchResult {
  const { daskVersion, daskError } = extras;
  const out: BenchResult = {};
  const medians = new Map<string, Repeated>();
  for (const [key, runs] of rates) medians.set(key, summarize(runs));
  for (const system of ['convoy', 'dask']) {
    for (const r of ROUNDS) {
      const m = medians.get(`${system}_${r}`);
      if (m) out[`${system}_${r}_tasks_per_s`] = Math.round(m.median);
    }
  }
  for (const r of ROUNDS) {
    const x = ratio(medians.get(`convoy_${r}`)?.median, medians.get(`dask_${r}`)?.median);
    if (x !== undefined) out[`convoy_vs_dask_${r}`] = x;
  }
  const verdicts = Object.entries(TARGETS).map(([r, target]) => {
    const got = medians.get(`convoy_${r}`)?.median;
    return `${r} ${got === undefined ? 'not measured' : got >= target! ? 'met' : 'missed'} (>= ${target})`;
  });
  out.targets = verdicts.join(', ');
  for (const [key, perTask] of extras.cpu ?? []) {
    const [system, ...rest] = key.split('_');
    const role = rest.pop()!;
    out[`${system}_${rest.join('_')}_cpu_us_per_task_${role}`] = Math.round(summarize(perTask).median);
  }
  for (const [key, m] of medians) out[`${key}_runs`] = m.runs.map((x) => Math.round(x)).join(' ');
  Object.assign(out, {
    reps: o.reps,
    sync_tasks: o.syncTasks,
    async_tasks: o.asyncTasks,
    clients: o.clients,
    tasks_per_client: o.tasksPerClient,
    warmup: o.warmup,
    sync_warmup: o.syncWarmup,
    workers: o.workers,
    cpus: os.availableParallelism(),
    node: process.version,
  });
  if (daskVersion) out.dask_version = daskVersion;
  if (daskError) out.dask_error = daskError;
  return out;
}

/** The readable table: one row per round, Convoy next to Dask, the ratio and the target. */
export function table(result: BenchResult): string {
  const num = (k: string) => (typeof result[k] === 'number' ? (result[k] as number) : undefined);
  const rows = ROUNDS.map((r) => {
    const convoy = num(`convoy_${r}_tasks_per_s`);
    const target = TARGETS[r];
    const x = num(`convoy_vs_dask_${r}`);
    return [
      r.replace('_', '-'),
      formatNumber(convoy),
      formatNumber(num(`dask_${r}_tasks_per_s`)),
      x === undefined ? '—' : `${x}x`,
      target === undefined ? '—' : `>= ${formatNumber(target)} ${convoy === undefined ? '' : convoy >= target ? 'met' : 'MISSED'}`.trim(),
      String(result[`convoy_${r}_runs`] ?? ''),
      CPU_ROLES.map((role) => formatNumber(num(`convoy_${r}_cpu_us_per_task_${role}`))).join(' / '),
    ];
  });
  const lines = [
    textTable(
      [['tasks/s (median)', 'convoy', 'dask', 'convoy/dask', 'target', 'convoy runs', 'convoy CPU µs/task: client / head / workers'], ...rows],
      (c) => c > 0 && c < 4,
    ),
    '',
    `Ray's published single-client figures, for context (64 vCPUs, not measured here): sync ${formatNumber(RAY_PUBLISHED.sync)}/s, async ${formatNumber(RAY_PUBLISHED.async)}/s.`,
    `${result.cpus} CPUs (load average ${result.load_avg_1m_before ?? '?'} before, ${result.load_avg_1m_after ?? '?'} after), ${result.workers} workers, ${result.reps} reps; ` +
      `dask ${result.dask_version ?? `not run: ${result.dask_error ?? 'disabled (--no-dask)'}`}`,
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run(process.argv.slice(2));
  await writeStdout(renderResult(result, table(result)));
  process.exit(0);
}
