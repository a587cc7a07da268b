import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parsePlanConfig, PlanConfigError } from '../../tasks/plan/config.ts';
import { formatDuration } from '../../cluster/common/index.ts';
import { formatDays, PLAN_COLUMNS, planTableRows } from '../../tasks/plan/index.ts';
import { InvalidPlanInputError, planAllSources, planCollection, SYNTHETIC_SAMPLES_PER_CPU_SECOND } from '../../tasks/plan/plan.ts';
import { DAYS_PER_MONTH, monthCostUsd, PROVIDER_CATALOG } from '../../tasks/sources/index.ts';

const YEAR_S = 365 * 86_400;
const MONTH_S = DAYS_PER_MONTH * 86_400;

describe('planCollection', () => {
  it('shows that 1e9 samples from one free TomTom key take over a thousand years', () => {
    const p = planCollection({ source: 'tomtom', target: 1e9 });
    expect(p.requests).toBe(1e9);
    expect(p.free.seconds / YEAR_S).toBeCloseTo(1e9 / 2_500 / 365, 1);
    expect(p.explanation[0]).toBe('1e9 samples from one TomTom key at 2,500 free requests/day would take 1,096 years.');
    expect(p.free.costUsd).toBe(0);
  });

  it('holds a paying key to what its plan covers in a month, not to its rate limit', () => {
    // At 10 requests/s a key could send 26M requests a month; the price list stops at 10M.
    const p = planCollection({ source: 'tomtom', target: 1e9 });
    expect(p.paid!.limitedBy).toMatch(/^plan volume \(1e7 requests\/month per key/);
    expect(p.paid!.seconds).toBeCloseTo(100 * MONTH_S, 0);
    // 100 months of 10M requests, each month's first 2,500 a day free, the rest at the 10M pack's $0.42 per 1,000.
    const billable = 1e7 - 2_500 * DAYS_PER_MONTH;
    expect(p.paid!.costUsd).toBeCloseTo(100 * billable * 0.42e-3, 2);
    expect(p.explanation.join(' ')).toMatch(/more needs a contract with TomTom/);
    // With a contract that covers the rate limit, the rate limit binds again.
    const contract = planCollection({ source: 'tomtom', target: 1e9, catalog: { monthlyCap: Infinity } });
    expect(contract.paid!.seconds).toBeCloseTo(1e8, 0);
    expect(contract.paid!.limitedBy).toBe('rate limit (10 requests/s per key)');
  });

  it('says when and where the figures were read, and what is an estimate', () => {
    for (const source of ['tomtom', 'here', 'mapbox'] as const) {
      const entry = PROVIDER_CATALOG[source];
      expect(entry.readOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(entry.sources.every((s) => s.startsWith('https://'))).toBe(true);
      expect(planCollection({ source, target: 1e6 }).explanation.join(' ')).toContain(`Figures read ${entry.readOn}: https://`);
    }
    expect(planCollection({ source: 'here', target: 1e6 }).explanation.at(-1)).toMatch(/^Note: estimates/);
  });

  it('scales with keys, not with CPUs, for an API', () => {
    const one = planCollection({ source: 'tomtom', target: 1e7 });
    const ten = planCollection({ source: 'tomtom', target: 1e7, keys: 10 });
    const cpus = planCollection({ source: 'tomtom', target: 1e7, cpus: 8 });
    expect(ten.free.seconds / one.free.seconds).toBeCloseTo(0.1, 2);
    expect(cpus.free.seconds).toBe(one.free.seconds);
    expect(cpus.explanation.join(' ')).toMatch(/More CPUs do not speed this up/);
  });

  it('needs far fewer requests from HERE, which returns many segments per request', () => {
    const here = planCollection({ source: 'here', target: 1e9 });
    expect(here.requests).toBe(1e9 / PROVIDER_CATALOG.here.samplesPerRequest);
    expect(here.paid!.seconds).toBeLessThan(planCollection({ source: 'tomtom', target: 1e9 }).paid!.seconds / 100);
  });

  it('prices Mapbox by its monthly bands, and TomTom by the volume reached', () => {
    // 500,000 requests in a month: 100,000 free, 400,000 at $2.00 per 1,000.
    expect(monthCostUsd(PROVIDER_CATALOG.mapbox, 500_000)).toBeCloseTo(800, 6);
    expect(monthCostUsd(PROVIDER_CATALOG.mapbox, 1_100_000)).toBeCloseTo(800 + 500 * 1.6 + 100 * 1.2, 6);
    // TomTom: 1,000,000 billable requests buy the 1M pack, all at $0.45.
    const free = 2_500 * DAYS_PER_MONTH;
    expect(monthCostUsd(PROVIDER_CATALOG.tomtom, 1_000_000 + free)).toBeCloseTo(450, 6);
    expect(monthCostUsd(PROVIDER_CATALOG.tomtom, free)).toBe(0);
    // Within the free tier everything is free and as fast as the rate limit.
    const small = planCollection({ source: 'mapbox', target: 1_000 * 100 });
    expect(small.free.seconds).toBeCloseTo(1_000 / PROVIDER_CATALOG.mapbox.ratePerSecond, 6);
    expect(small.paid!.costUsd).toBe(0);
  });

  it('estimates synthetic collection from a measured per-core throughput, or the one given', () => {
    expect(SYNTHETIC_SAMPLES_PER_CPU_SECOND).toBe(750_000);
    expect(planCollection({ source: 'synthetic', target: 1.5e6, cpus: 2 }).free.seconds).toBeCloseTo(1, 9);
    const p = planCollection({ source: 'synthetic', target: 1e9, cpus: 4, syntheticSamplesPerCpuSecond: 1.25e6 });
    expect(p.free.seconds).toBe(200);
    expect(p.free.costUsd).toBe(0);
    expect(p.paid).toBeUndefined();
    expect(p.explanation[0]).toMatch(/would take 3\.3 minutes, at no cost/);
  });

  it('honours overrides of every figure', () => {
    const p = planCollection({ source: 'tomtom', target: 1e6, catalog: { free: { window: 'day', requests: 1e6 }, ratePerSecond: 5 } });
    expect(p.free.seconds).toBeCloseTo(1e6 / 5, 6);
    const none = planCollection({ source: 'tomtom', target: 1e6, catalog: { free: { window: 'month', requests: 0 } } });
    expect(none.free.seconds).toBe(Infinity);
    expect(none.free.limitedBy).toBe('no free tier');
    const flat = planCollection({ source: 'tomtom', target: 2e6, catalog: { free: { window: 'month', requests: 0 }, tiers: [{ upTo: Infinity, usdPer1000: 1 }] } });
    expect(flat.paid!.costUsd).toBeCloseTo(2000, 6);
  });

  it('rejects bad input naming the field', () => {
    expect(() => planCollection({ source: 'tomtom', target: -1 })).toThrow(InvalidPlanInputError);
    expect(() => planCollection({ source: 'waze' as never, target: 1 })).toThrow(/source/);
    expect(() => planCollection({ source: 'tomtom', target: 1, keys: 0 })).toThrow(/keys/);
  });

  it('lays all sources side by side under headers that carry their units', () => {
    const rows = planTableRows(planAllSources({ target: 1e9, cpus: 2 }));
    expect(rows.map((r) => r[PLAN_COLUMNS.source])).toEqual(['synthetic', 'tomtom', 'here', 'mapbox']);
    expect(Object.keys(rows[0]!)).toEqual([
      'source',
      'samples',
      'API requests',
      'free tier: time to target (days)',
      'paid: time to target (days)',
      'paid: cost (USD)',
      'paid: limited by',
    ]);
    expect(rows[1]![PLAN_COLUMNS.freeDays]).toBe('399,999');
    expect(rows[0]![PLAN_COLUMNS.freeDays]).toBe('0.0077');
  });

  it('formats durations from seconds to years, and days for the table', () => {
    expect(formatDuration(42)).toBe('42 seconds');
    expect(formatDuration(90)).toBe('1.5 minutes');
    expect(formatDuration(3 * 86_400)).toBe('3.0 days');
    expect(formatDuration(YEAR_S)).toBe('1.0 year');
    expect(formatDays(3 * 86_400)).toBe('3.0');
    expect(formatDays(Infinity)).toBe('never');
  });
});

describe('plan config files', () => {
  it('reads every figure, null meaning no bound', () => {
    const c = parsePlanConfig(
      JSON.stringify({
        cpus: 16,
        keys: 2,
        synthetic: { samplesPerCpuSecond: 600_000 },
        tomtom: { ratePerSecond: 5, free: { window: 'month', requests: 75_000 }, tiers: [{ upTo: 1e6, usdPer1000: 0.5 }, { upTo: null, usdPer1000: 0.4 }], pricing: 'graduated', monthlyCap: null },
      }),
      'plan.json',
    );
    expect(c).toEqual({
      cpus: 16,
      keys: 2,
      syntheticSamplesPerCpuSecond: 600_000,
      catalog: {
        tomtom: { ratePerSecond: 5, free: { window: 'month', requests: 75_000 }, tiers: [{ upTo: 1e6, usdPer1000: 0.5 }, { upTo: Infinity, usdPer1000: 0.4 }], pricing: 'graduated', monthlyCap: Infinity },
      },
    });
  });

  it('names a bad or unknown key and lists the valid ones', () => {
    const bad = (json: unknown) => () => parsePlanConfig(JSON.stringify(json), 'plan.json');
    expect(bad({ tomtom: { rate: 5 } })).toThrow(PlanConfigError);
    expect(bad({ tomtom: { rate: 5 } })).toThrow('plan.json: tomtom: unknown key "rate" (valid: ratePerSecond, free, tiers, pricing, monthlyCap, samplesPerRequest)');
    expect(bad({ waze: {} })).toThrow(/unknown key "waze" \(valid: cpus, keys, synthetic, tomtom, here, mapbox\)/);
    expect(bad({ mapbox: { ratePerSecond: -1 } })).toThrow(/^plan\.json: mapbox\.ratePerSecond: /);
    expect(bad({ here: { tiers: [{ upTo: null, usdPer1000: 1 }, { upTo: 5, usdPer1000: 1 }] } })).toThrow(/here\.tiers\[1\]\.upTo: tiers must go up/);
    expect(() => parsePlanConfig('{', 'plan.json')).toThrow(/plan\.json is not JSON/);
  });
});

describe('convoy plan', () => {
  const run = promisify(execFile);
  const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
  const convoy = (args: string[]) =>
    run(process.execPath, [CLI, 'plan', ...args], { timeout: 60_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('takes each price, quota and rate from flags or a config file, flags first', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-plan-'));
    const file = path.join(dir, 'plan.json');
    await writeFile(file, JSON.stringify({ keys: 4, tomtom: { free: { window: 'day', requests: 10_000 }, ratePerSecond: 2 } }));
    const [flags, config, both, bad, noSource] = await Promise.all([
      convoy(['--target', '1e6', '--source', 'tomtom', '--free', '100000/month', '--rate', '2', '--price', '0.1', '--monthly-cap', 'none', '--json']),
      convoy(['--target', '1e6', '--source', 'tomtom', '--config', file, '--json']),
      convoy(['--target', '1e6', '--source', 'tomtom', '--config', file, '--keys', '1', '--json']),
      convoy(['--target', '1e6', '--config', path.join(dir, 'missing.json')]),
      convoy(['--target', '1e6', '--rate', '3']),
    ]);
    const [f] = JSON.parse(flags.stdout) as { free: { seconds: number }; paid: { costUsd: number }; catalog: { free: unknown } }[];
    expect(f!.catalog.free).toEqual({ window: 'month', requests: 100_000 });
    expect(f!.paid.costUsd).toBeCloseTo(900_000 * 0.1e-3, 6);
    const [c] = JSON.parse(config.stdout) as { keys: number; free: { seconds: number } }[];
    expect(c!.keys).toBe(4);
    // 1e6 requests over 4 keys × 10,000 a day: 25 days, the last day's 40,000 at 2 requests/s per key.
    expect(c!.free.seconds).toBeCloseTo(24 * 86_400 + 10_000 / 2, 6);
    expect((JSON.parse(both.stdout) as { keys: number }[])[0]!.keys).toBe(1);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^convoy: --config .*missing\.json: cannot read it \(ENOENT\)\n$/);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toMatch(/--rate sets a provider's figures: name it with --source/);
  });

  it('refuses a config key it does not know, by name, before planning anything', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-plan-'));
    const file = path.join(dir, 'plan.json');
    await writeFile(file, JSON.stringify({ tomtom: { freeTier: 5 } }));
    const r = await convoy(['--target', '1e6', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`convoy: --config ${file}: tomtom: unknown key "freeTier" (valid: ratePerSecond, free, tiers, pricing, monthlyCap, samplesPerRequest)\n`);
  });
});
