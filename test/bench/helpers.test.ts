// The bench harness's pure helpers: flags, medians and ratios, result tables, and bench discovery.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BenchOptionsError, booleanFlag, countFlag, parseBenchOptions, parseFlags } from '../../bench/lib/options.ts';
import { assertBenchResult, findComparisons, formatResultTable, renderResult } from '../../bench/lib/report.ts';
import { BadBenchModuleError, UnknownBenchError, docSummary, listBenches, loadBench } from '../../bench/lib/registry.ts';
import { median, perSecond, ratio, repeat } from '../../bench/lib/stats.ts';
import { processCpuMs, startCpuMeter, waitUntilQuiet } from '../../bench/lib/proc-cpu.ts';

describe('bench flags', () => {
  const schema = z.object({ reps: countFlag(3), syncTasks: countFlag(2000), dask: booleanFlag(true) });

  it('reads --name value, --name=value, bare and negated booleans, and fills defaults', () => {
    expect(parseFlags(['--reps', '5', '--sync-tasks=10', '--dask'])).toEqual({ reps: '5', syncTasks: '10', dask: true });
    expect(parseBenchOptions(schema, ['--reps', '5', '--no-dask'])).toEqual({ reps: 5, syncTasks: 2000, dask: false });
    expect(parseBenchOptions(schema, ['--dask=false', '--sync-tasks', '7'])).toEqual({ reps: 3, syncTasks: 7, dask: false });
    expect(parseBenchOptions(schema, [])).toEqual({ reps: 3, syncTasks: 2000, dask: true });
  });

  it('names an unknown flag and a bad value, and lists the known flags', () => {
    expect(() => parseBenchOptions(schema, ['--bogus', '1'])).toThrow(/unknown flag --bogus.*--sync-tasks/);
    expect(() => parseBenchOptions(schema, ['--reps', '0'])).toThrow(BenchOptionsError);
    expect(() => parseBenchOptions(schema, ['--sync-tasks', 'many'])).toThrow(/--sync-tasks:/);
    expect(() => parseBenchOptions(schema, ['tasks'])).toThrow(/unexpected argument "tasks"/);
  });
});

describe('bench numbers', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const xs = [30, 10, 20];
    expect(median(xs)).toBe(20);
    expect(xs).toEqual([30, 10, 20]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('turns counts and milliseconds into rates, and rounds ratios', () => {
    expect(perSecond(5000, 250)).toBe(20_000);
    expect(() => perSecond(1, 0)).toThrow(/0 ms/);
    expect(ratio(10, 3)).toBe(3.33);
    expect(ratio(1, 0)).toBeUndefined();
    expect(ratio(undefined, 3)).toBeUndefined();
  });

  it('repeats a measurement in order and keeps every run', async () => {
    const seen: number[] = [];
    const r = await repeat(3, async (rep) => {
      seen.push(rep);
      return [5, 1, 9][rep]!;
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(r).toEqual({ runs: [5, 1, 9], median: 5 });
  });
});

describe('bench results', () => {
  const result = {
    convoy_sync_tasks_per_s: 1200,
    dask_sync_tasks_per_s: 80,
    write_rows_per_s: 3_000_000,
    duckdb_write_rows_per_s: 1_500_000,
    lake_bytes: 10,
    duckdb_bytes: 12,
    note: 'x',
  };

  it('pairs our figures with a peer’s, whether or not ours carry the convoy_ prefix', () => {
    const c = findComparisons(result);
    expect(c).toEqual([
      { metric: 'sync_tasks_per_s', ours: 1200, peer: 'dask', theirs: 80, ratio: 15 },
      { metric: 'write_rows_per_s', ours: 3_000_000, peer: 'duckdb', theirs: 1_500_000, ratio: 2 },
    ]);
  });

  it('prints the JSON line first, then the comparison and the unpaired fields', () => {
    const text = renderResult(result);
    const [first, ...rest] = text.split('\n');
    expect(JSON.parse(first!)).toEqual(result);
    const table = rest.join('\n');
    expect(table).toMatch(/sync_tasks_per_s\s+1,200\s+dask\s+80\s+15x/);
    expect(table).toMatch(/write_rows_per_s\s+3,000,000\s+duckdb\s+1,500,000\s+2x/);
    expect(formatResultTable(result)).toMatch(/lake_bytes\s+10\n.*duckdb_bytes\s+12/);
  });

  it('refuses a result that is not a flat record of finite numbers and strings', () => {
    expect(() => assertBenchResult({ a: 1, b: 'x' }, 't')).not.toThrow();
    expect(() => assertBenchResult({ a: Number.NaN }, 't')).toThrow(/field "a" = NaN/);
    expect(() => assertBenchResult({ a: { b: 1 } }, 't')).toThrow(/field "a"/);
    expect(() => assertBenchResult([1], 't')).toThrow(/record/);
  });
});

describe('bench discovery', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'convoy-bench-registry-'));
    await writeFile(path.join(dir, 'index.ts'), '/** The harness. */\n');
    await writeFile(path.join(dir, 'fast.ts'), '/**\n * Fast things per second, e.g. spins.\n * More detail.\n */\nexport async function run(args: string[]) { return { args: args.join(" ") }; }\n');
    await writeFile(path.join(dir, 'plain.ts'), 'export const x = 1;\n');
    await writeFile(path.join(dir, 'notes.md'), '# not a bench\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists every .ts but the harness, with the first sentence of its doc comment', async () => {
    expect(await listBenches(dir)).toEqual([
      { name: 'fast', file: path.join(dir, 'fast.ts'), summary: 'Fast things per second, e.g. spins.' },
      { name: 'plain', file: path.join(dir, 'plain.ts'), summary: '' },
    ]);
    expect(docSummary('/** Lake throughput. Then more. */')).toBe('Lake throughput.');
  });

  it('loads a bench and runs it, and names what is wrong with a missing or bad one', async () => {
    const { module } = await loadBench(dir, 'fast');
    expect(await module.run(['--a', '1'])).toEqual({ args: '--a 1' });
    await expect(loadBench(dir, 'nope')).rejects.toThrow(UnknownBenchError);
    await expect(loadBench(dir, 'nope')).rejects.toThrow(/choose one of fast, plain/);
    await expect(loadBench(dir, 'plain')).rejects.toThrow(BadBenchModuleError);
  });
});

describe('process CPU time', () => {
  it('reads a live process from /proc, grows with work, and is undefined for a process that is gone', () => {
    const before = processCpuMs(process.pid);
    expect(before).toBeGreaterThanOrEqual(0);
    const start = process.cpuUsage();
    let spin = 0;
    while (process.cpuUsage(start).user < 80_000) spin++; // 80 ms of CPU, however long that takes on a busy machine
    expect(spin).toBeGreaterThan(0);
    expect(processCpuMs(process.pid)! - before!).toBeGreaterThanOrEqual(50);
    expect(processCpuMs(2 ** 22 + 1)).toBeUndefined(); // above Linux's pid_max
  });

  it('meters named groups of processes', () => {
    const stop = startCpuMeter({ me: [process.pid], again: [process.pid, process.pid] });
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 50_000);
    const used = stop()!;
    expect(used.me).toBeGreaterThanOrEqual(30);
    expect(used.again).toBe(used.me! * 2);
    expect(startCpuMeter({ gone: [2 ** 22 + 1] })()).toBeUndefined();
  });
});

describe('waiting for processes to go quiet', () => {
  it('returns true for idle processes and false for one that keeps busy past the timeout', async () => {
    // Each child says "up" once booted, so its start-up CPU is behind us.
    const idle = spawn(process.execPath, ['-e', 'console.log("up"); setTimeout(() => {}, 30_000)']);
    const busy = spawn(process.execPath, ['-e', 'console.log("up"); const end = Date.now() + 30_000; while (Date.now() < end);']);
    // On a loaded 2-core machine a spinning process may get a small share of a core: call quiet under 5%.
    const quiet = { maxCores: 0.05, intervalMs: 250 };
    try {
      await Promise.all([once(idle.stdout, 'data'), once(busy.stdout, 'data')]);
      expect(await waitUntilQuiet([idle.pid!], { ...quiet, timeoutMs: 5000 })).toBe(true);
      expect(await waitUntilQuiet([idle.pid!, busy.pid!], { ...quiet, timeoutMs: 600 })).toBe(false);
      busy.kill('SIGKILL');
      await once(busy, 'exit');
      expect(await waitUntilQuiet([idle.pid!, busy.pid!], { ...quiet, timeoutMs: 5000 })).toBe(true);
    } finally {
      idle.kill('SIGKILL');
      busy.kill('SIGKILL');
    }
  });
});
