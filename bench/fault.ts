/**
 * Fault tolerance: what persisting the head's control store costs the fast path (tasks/s with the SQLite and
 * Redis stores beside the in-memory one), how long the head takes to notice a dead or a silent worker, and how
 * long a cluster takes to be whole again after its head is SIGKILLed and restarted.
 *
 *   npm run bench -- fault [--reps 5] [--async-tasks 20000] [--warmup 2000] [--workers 2] [--no-redis]
 *                          [--heartbeat-timeout-ms 2000] [--only store_throughput,recovery]
 *
 * recovery: bench/lib/fault-recovery.ts (detect_dead_worker_s, detect_silent_worker_s, head_recovery_s on one
 * embedded cluster with the default SQLite store).
 *
 * store_throughput: three embedded clusters (a head and `--workers` workers each), whose heads keep their
 * control store in memory, in SQLite (control.db in the session folder, the default) and in Redis (a
 * redis-server this bench starts on a free loopback port, nothing saved to disk). Each runs the async round
 * of the tasks bench (bench/tasks.ts): one client submits `--async-tasks` no-op tasks, then gets them all.
 * The clusters stay up for the whole run and take turns rep by rep, in an order that alternates, each turn
 * starting once every cluster is quiet and after an untimed pre-roll, so a noisy minute hurts all three.
 * Reported: the median tasks/s of each store, `store_tasks_ratio` (SQLite ÷ memory; the issue's target is
 * ≥ 0.8) and `redis_store_tasks_ratio` (Redis ÷ memory), the head's CPU µs per task with each (the store's
 * cost lands there; for Redis the server's own is beside it), and every run. Without redis-server (or with
 * `--no-redis`) the Redis figures are absent and `redis_error` says why.
 */
import os from 'node:os';
import { z } from 'zod';
import { redisUnavailable, startRedis, type TestRedis } from '../test/helpers/redis.ts';
import { booleanFlag, countFlag, parseBenchOptions } from './lib/options.ts';
import { startCpuMeter, waitUntilQuiet } from './lib/proc-cpu.ts';
import { formatNumber, textTable, type BenchResult } from './lib/report.ts';
import { perSecond, ratio, round, summarize } from './lib/stats.ts';
import { ConvoySystem } from './lib/task-systems.ts';
import { preRoll } from './tasks.ts';
import { measureRecovery } from './lib/fault-recovery.ts';

const MEASUREMENTS = ['store_throughput', 'recovery'] as const;
type MeasurementName = (typeof MEASUREMENTS)[number];

const optionsSchema = z.object({
  /** Timed runs per store; the median is reported (a run takes about a second: the spread between runs is wide). @default 5 */
  reps: countFlag(5),
  /** Tasks in one async run. @default 20000 */
  asyncTasks: countFlag(20_000),
  /** Untimed async tasks on each cluster first. @default 2000 */
  warmup: countFlag(2000),
  /** Worker processes per cluster. @default 2 */
  workers: countFlag(2),
  /** The recovery cluster's heartbeat timeout: a silent (SIGSTOPped) worker is declared dead after it. @default 2000 */
  heartbeatTimeoutMs: countFlag(2000),
  /** Measure the Redis store too (needs redis-server). @default true */
  redis: booleanFlag(true),
  /** Comma-separated measurements to run. @default all */
  only: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const names = v === undefined ? [...MEASUREMENTS] : v.split(',').map((s) => s.trim());
      for (const n of names) if (!(MEASUREMENTS as readonly string[]).includes(n)) ctx.addIssue({ code: 'custom', message: `unknown measurement "${n}" (known: ${MEASUREMENTS.join(', ')})` });
      return names as MeasurementName[];
    }),
});

type FaultOptions = z.output<typeof optionsSchema>;
type Progress = (message: string) => void;

/** The issue's target for `store_tasks_ratio`: persistence must not cost the fast path more than this. */
export const STORE_RATIO_TARGET = 0.8;

const STORES = ['memory', 'sqlite', 'redis'] as const;
type StoreName = (typeof STORES)[number];

const progress: Progress = (message) => process.stderr.write(`[fault] ${message}\n`);

/** Each measurement brings up what it needs and returns its own figures. */
const RUNNERS: Record<MeasurementName, (o: FaultOptions, progress: Progress) => Promise<BenchResult>> = {
  store_throughput: measureStoreThroughput,
  recovery: async (o, say) => ({ ...(await measureRecovery({ heartbeatTimeoutMs: o.heartbeatTimeoutMs, log: say })) }),
};

export async function run(args: string[]): Promise<BenchResult> {
  const o = parseBenchOptions(optionsSchema, args);
  const result: BenchResult = {};
  const loadBefore = os.loadavg()[0]!;
  for (const name of o.only) Object.assign(result, await RUNNERS[name](o, progress));
  Object.assign(result, {
    workers: o.workers,
    cpus: os.availableParallelism(),
    node: process.version,
    load_avg_1m_before: round(loadBefore, 2),
    load_avg_1m_after: round(os.loadavg()[0]!, 2),
  });
  return result;
}

/** Async no-op tasks/s through heads on each control store, side by side (see the header). */
export async function measureStoreThroughput(o: FaultOptions, say: Progress): Promise<BenchResult> {
  const out: BenchResult = {};
  const systems = new Map<StoreName, ConvoySystem>();
  let redis: TestRedis | undefined;
  const rates = new Map<StoreName, number[]>();
  const headCpu = new Map<string, number[]>();
  try {
    let redisError = o.redis ? redisUnavailable() : 'not asked for (--no-redis)';
    if (!redisError) {
      try {
        redis = await startRedis();
        say(`redis-server ${redis.url} (pid ${redis.pid})`);
      } catch (err) {
        redisError = (err as Error).message.split('\n')[0];
      }
    }
    if (redisError) out.redis_error = redisError;
    const specs: [StoreName, string | undefined][] = [
      ['memory', 'memory'],
      ['sqlite', undefined],
    ];
    if (redis) specs.push(['redis', `${redis.url}?prefix=bench-fault-${process.pid}`]);
    for (const [name, store] of specs) {
      const opts = { workers: o.workers, clients: 1, warmup: o.warmup, syncWarmup: 1 };
      systems.set(name, await ConvoySystem.start(opts, (m) => say(`${name}: ${m}`), { store }));
    }
    const allPids = () => [...[...systems.values()].flatMap((s) => s.pids()), ...(redis ? [redis.pid] : [])];
    const names = [...systems.keys()];
    for (let rep = 0; rep < o.reps; rep++) {
      const order = rep % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        const system = systems.get(name)!;
        await waitUntilQuiet(allPids());
        await system.measure('async', preRoll(o.asyncTasks));
        const groups = { head: system.processes('async').head, ...(name === 'redis' && redis ? { redis_server: [redis.pid] } : {}) };
        const meter = startCpuMeter(groups);
        const ms = await system.measure('async', o.asyncTasks);
        for (const [group, used] of Object.entries(meter() ?? {})) {
          const key = group === 'head' ? `${name}_head` : group;
          headCpu.set(key, [...(headCpu.get(key) ?? []), (used * 1000) / o.asyncTasks]);
        }
        const rate = perSecond(o.asyncTasks, ms);
        rates.set(name, [...(rates.get(name) ?? []), rate]);
        say(`${name} ${rep + 1}/${o.reps}: ${formatNumber(Math.round(rate))} tasks/s`);
      }
    }
  } finally {
    await Promise.allSettled([...systems.values()].map((s) => s.close()));
    await redis?.stop();
  }
  const medians = new Map([...rates].map(([k, runs]) => [k, summarize(runs).median]));
  for (const name of STORES) {
    const m = medians.get(name);
    if (m !== undefined) out[`${name}_tasks_s`] = Math.round(m);
  }
  const sqliteRatio = ratio(medians.get('sqlite'), medians.get('memory'));
  const redisRatio = ratio(medians.get('redis'), medians.get('memory'));
  if (sqliteRatio !== undefined) {
    out.store_tasks_ratio = sqliteRatio;
    out.store_target = `${sqliteRatio >= STORE_RATIO_TARGET ? 'met' : 'missed'} (>= ${STORE_RATIO_TARGET})`;
  }
  if (redisRatio !== undefined) out.redis_store_tasks_ratio = redisRatio;
  // Fractions of a µs: the head is off the per-task path (ownership, leases), so its share is small.
  for (const [key, perTask] of headCpu) out[`${key}_cpu_us_per_task`] = round(summarize(perTask).median, 2);
  for (const [name, runs] of rates) out[`${name}_tasks_s_runs`] = runs.map((x) => Math.round(x)).join(' ');
  Object.assign(out, { reps: o.reps, async_tasks: o.asyncTasks, warmup: o.warmup });
  return out;
}

/** The readable table: one row per store, its rate, its ratio to memory and the head's CPU per task. */
export function table(result: BenchResult): string {
  const num = (k: string) => (typeof result[k] === 'number' ? (result[k] as number) : undefined);
  const rows = STORES.filter((s) => num(`${s}_tasks_s`) !== undefined).map((s) => [
    s,
    formatNumber(num(`${s}_tasks_s`)),
    s === 'memory' ? '1' : `${formatNumber(num(s === 'sqlite' ? 'store_tasks_ratio' : 'redis_store_tasks_ratio'))}`,
    formatNumber(num(`${s}_head_cpu_us_per_task`)),
    String(result[`${s}_tasks_s_runs`] ?? ''),
  ]);
  const lines: string[] = [];
  if (rows.length > 0) lines.push(textTable([['control store', 'async tasks/s (median)', '÷ memory', 'head CPU µs/task', 'runs'], ...rows], (c) => c > 0 && c < 4));
  if (result.store_target) lines.push('', `store_tasks_ratio (SQLite ÷ memory): ${result.store_target}`);
  if (num('redis_server_cpu_us_per_task') !== undefined) lines.push(`redis-server CPU µs/task: ${formatNumber(num('redis_server_cpu_us_per_task'))}`);
  if (result.redis_error) lines.push(`Redis not measured: ${result.redis_error}`);
  if (num('head_recovery_s') !== undefined) {
    lines.push(
      '',
      textTable([
        ['recovery', 'seconds'],
        ['SIGKILLed worker listed dead', formatNumber(num('detect_dead_worker_s'))],
        [`SIGSTOPped worker listed dead (heartbeat timeout ${result.heartbeat_timeout_ms} ms)`, formatNumber(num('detect_silent_worker_s'))],
        ['head SIGKILLed → workers back and a task run', formatNumber(num('head_recovery_s'))],
      ], (c) => c > 0),
    );
  }
  const storeRuns = result.reps === undefined ? '' : `, ${result.workers} workers per cluster, ${result.reps} reps of ${formatNumber(num('async_tasks'))} tasks`;
  lines.push(`${result.cpus} CPUs (load average ${result.load_avg_1m_before} before, ${result.load_avg_1m_after} after)${storeRuns}`);
  return lines.join('\n');
}
