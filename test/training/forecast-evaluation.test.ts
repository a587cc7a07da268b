// The standard forecasting protocol: windows with masked missing values, baselines computed by hand on a tiny
// series, ridge in closed form, and on a series with a known lag structure the ridge beats the last value.
// The CLI runs it on a real lake (Parquet files written by the lake writer).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { batchesFromSamples } from '../../tasks/traffic/batch-builder.ts';
import type { Sample } from '../../tasks/traffic/schema.ts';
import { evaluateForecasts, type ForecastReport } from '../../tasks/training/evaluation/forecast-evaluation.ts';
import { ForecastWindows, forwardFilled } from '../../tasks/training/evaluation/forecast-windows.ts';
import { RidgeAccumulator, dot } from '../../tasks/training/evaluation/ridge.ts';
import { openLake } from '../../tasks/lake/index.ts';
import { mulberry32 } from '../../cluster/common/index.ts';
import { openStorage } from '../../cluster/storage/index.ts';
import { ModelRegistry } from '../../tasks/training/artifacts/registry.ts';
import { trainModel } from '../../tasks/training/trainer.ts';
import { syntheticTraffic } from './helpers/synthetic-traffic.ts';

const SLOT = 5 * 60_000;
const T0 = Date.UTC(2026, 0, 5);

function sample(sensor: string, slot: number, speed: number): Sample {
  const ts = T0 + slot * SLOT;
  const d = new Date(ts);
  return {
    timestamp: ts,
    city: 'berlin',
    segment_id: sensor,
    lat: 52.5,
    lon: 13.4,
    road_class: 'motorway',
    hour: d.getUTCHours(),
    day_of_week: ((d.getUTCDay() + 6) % 7) + 1,
    free_flow_speed_kmh: 100,
    current_speed_kmh: speed,
    congestion: 0,
    confidence: 1,
    free_flow_travel_time_s: null,
    current_travel_time_s: null,
    source: 'synthetic',
  };
}

async function* stream(samples: Sample[]) {
  yield* batchesFromSamples(samples, 1000);
}

describe('ForecastWindows', () => {
  it('masks missing readings, needs the anchor, and emits a window only once its last target slot is reached', () => {
    const w = new ForecastWindows({ history: 2, steps: 2 });
    const got = [];
    // Slot 3 is missing; slot 7 jumps a gap.
    for (const [slot, v] of [[0, 10], [1, 11], [2, 12], [4, 14], [5, 15], [7, 17]] as const) got.push(...w.push('s', 'c', T0 + slot * SLOT, 0, v));
    const shown = got.map((x) => [(x.anchorMs - T0) / SLOT, [...x.history], [...x.targets]]);
    expect(shown).toEqual([
      [1, [10, 11], [12, NaN]],
      [2, [11, 12], [NaN, 14]],
      // anchor 3 is missing: no window.
      [4, [NaN, 14], [15, NaN]],
      [5, [14, 15], [NaN, 17]],
    ]);
    expect(w.push('s', 'c', T0 + 7 * SLOT, 0, 1)).toEqual([]);
    expect(w.outOfOrder).toBe(1);
    expect([...forwardFilled(new Float64Array([NaN, 3, NaN, 5]))]).toEqual([3, 3, 3, 5]);
  });
});

describe('RidgeAccumulator', () => {
  it('recovers an exact linear relation, output by output, leaving out rows whose target is missing', () => {
    const random = mulberry32(7);
    const truth = [
      [2, -1, 0.5, 3],
      [-0.25, 4, 1, -2],
    ];
    const r = new RidgeAccumulator(4, 2);
    for (let i = 0; i < 500; i++) {
      const x = [random() * 10, random() * 10, random() * 10, 1];
      // The second output is unknown for one row in five; the garbage it would carry must not count.
      r.add(x, [dot(truth[0]!, x), i % 5 === 0 ? NaN : dot(truth[1]!, x)]);
    }
    expect(r.rows).toEqual([500, 400]);
    const w = r.solve(1e-12);
    for (let o = 0; o < 2; o++) for (let j = 0; j < 4; j++) expect(w[o]![j]!).toBeCloseTo(truth[o]![j]!, 6);
  });
});

describe('evaluateForecasts', () => {
  it('computes each baseline as a hand computation does', async () => {
    // Training: slots 0..5 rise by 10. Test: slots 6..11, slot 7 missing.
    const samples = [10, 20, 30, 40, 50, 60].map((v, i) => sample('s1', i, v));
    for (const [slot, v] of [[6, 70], [8, 90], [9, 100], [10, 110], [11, 120]] as const) samples.push(sample('s1', slot, v));
    const report = await evaluateForecasts({
      data: () => stream(samples),
      history: 2,
      horizonsMin: [5, 10],
      train: { from: T0, to: T0 + 6 * SLOT },
      test: { from: T0 + 6 * SLOT, to: T0 + 12 * SLOT },
    });
    // Test windows: anchor 8 (history [–, 90], targets 100, 110) and anchor 9 ([90, 100]; 110, 120).
    expect(report.windows).toEqual({ train: 3, test: 2, excluded: 0, noForecast: 0 });
    const [h5, h10] = report.horizons;
    // Last value: 90, 100 for both steps.
    expect([h5!.at.lastValue!.mae, h10!.at.lastValue!.mae, h10!.upTo.lastValue!.mae]).toEqual([10, 20, 15]);
    expect(h10!.upTo.lastValue!.rmse).toBeCloseTo(Math.sqrt(250), 10);
    // Rolling mean: 90 (the only reading), then 95.
    expect([h5!.at.rollingMean!.mae, h10!.at.rollingMean!.mae]).toEqual([12.5, 22.5]);
    // Time-of-day profile: slots 9..11 of the day were never trained on: the sensor's mean, 35.
    expect([h5!.at.timeOfDay!.mae, h10!.at.timeOfDay!.mae]).toEqual([70, 80]);
    expect(h5!.at.lastValue!.mape).toBeCloseTo(100 * ((10 / 100 + 10 / 110) / 2), 10);
    expect(report.best.map((b) => b.horizonMin)).toEqual([5, 10]);
  });

  it('reports in the unit asked for', async () => {
    const samples = Array.from({ length: 24 }, (_, i) => sample('s1', i, 50 + (i % 3)));
    const base = { data: () => stream(samples), history: 2, horizonsMin: [5], train: { from: T0, to: T0 + 12 * SLOT }, test: { from: T0 + 12 * SLOT, to: T0 + 24 * SLOT } };
    const kmh = await evaluateForecasts(base);
    const mph = await evaluateForecasts({ ...base, unit: 'mph' });
    expect(mph.horizons[0]!.at.lastValue!.mae).toBeCloseTo(kmh.horizons[0]!.at.lastValue!.mae / 1.609344, 10);
    expect(mph.horizons[0]!.at.lastValue!.mape).toBeCloseTo(kmh.horizons[0]!.at.lastValue!.mape, 10);
  });

  it('on sensors whose speed reverts to a daily profile, the ridge beats the last value and the rolling mean at 60 min', async () => {
    const random = mulberry32(3);
    const samples: Sample[] = [];
    const days = 6;
    for (const sensor of ['a', 'b', 'c']) {
      let v = 60;
      for (let slot = 0; slot < days * 288; slot++) {
        const profile = 70 - 25 * Math.exp(-(((slot % 288) - 100) ** 2) / 200);
        v = profile + 0.85 * (v - profile) + (random() - 0.5) * 8;
        if (random() < 0.03) continue; // a missing reading now and then
        samples.push(sample(sensor, slot, v));
      }
    }
    const report = await evaluateForecasts({
      data: () => stream(samples),
      train: { from: T0, to: T0 + 4 * 288 * SLOT },
      test: { from: T0 + 4 * 288 * SLOT, to: T0 + days * 288 * SLOT },
    });
    const h60 = report.horizons.find((h) => h.horizonMin === 60)!;
    expect(h60.upTo.ridge!.mae).toBeLessThan(h60.upTo.lastValue!.mae);
    expect(h60.upTo.ridge!.mae).toBeLessThan(h60.upTo.rollingMean!.mae);
    expect(h60.at.ridge!.mae).toBeLessThan(h60.at.lastValue!.mae);
    expect(report.sensors).toEqual({ train: 3, test: 3 });
  });
});

describe('convoy evaluate', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'convoy-evaluate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = promisify(execFile);
  const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
  const convoy = (args: string[]) =>
    run(process.execPath, [CLI, ...args], { timeout: 120_000 }).then(
      (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('scores a lake as a table and as JSON, and names a bad flag', { timeout: 240_000 }, async () => {
    const lake = await openLake(path.join(dir, 'lake'), { threads: 0 });
    const samples = Array.from({ length: 2 * 288 }, (_, i) => sample('s1', i, 60 + 10 * Math.sin(i / 20)));
    for (const [i, b] of batchesFromSamples(samples, 288).entries()) await lake.writeShard(`day-${i}`, b);
    const lakeDir = path.join(dir, 'lake');
    const table = await convoy(['evaluate', '--lake', lakeDir, '--from', '2026-01-06', '--to', '2026-01-07', '--unit', 'mph']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^forecast evaluation in mph: history 12 slots/);
    expect(table.stdout).toMatch(/60 min\s+last value/);
    expect(table.stdout).toMatch(/ridge on lags/);
    const json = await convoy(['evaluate', '--lake', lakeDir, '--from', '2026-01-06', '--to', '2026-01-07', '--json', '--horizons', '15,30']);
    const report = JSON.parse(json.stdout) as ForecastReport;
    expect(report.horizonsMin).toEqual([15, 30]);
    expect(report.windows.test).toBeGreaterThan(200);
    const bad = await convoy(['evaluate', '--lake', lakeDir, '--from', '2026-01-06', '--to', '2026-01-07', '--horizons', '7']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'convoy: --horizons takes minutes, multiples of 5, separated by commas (e.g. 15,30,60), got "7"']);
    const early = await convoy(['evaluate', '--lake', lakeDir, '--from', '2026-01-05', '--to', '2026-01-06']);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/^convoy: no training range before --from/);
  });
});

describe('convoy evaluate --model', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'convoy-evaluate-model-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = promisify(execFile);
  const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
  const convoy = (args: string[]) =>
    run(process.execPath, [CLI, ...args], { timeout: 180_000 }).then(
      (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('scores a registered GRU beside the baselines on the windows it forecasts, and refuses a model without horizons', { timeout: 400_000 }, async () => {
    const start = Date.UTC(2024, 0, 1);
    const DAY = 86_400_000;
    const lakeDir = path.join(dir, 'lake');
    const lake = await openLake(lakeDir, { threads: 0 });
    let shard = 0;
    for (const batch of syntheticTraffic({ start, days: 4, segmentsPerCity: 2, seed: 9 })) await lake.writeShard(`s-${shard++}`, batch);
    const registry = new ModelRegistry(openStorage(path.join(dir, 'registry')));
    const common = { data: () => lake.scan(), trainRange: { from: start, to: start + 3 * DAY }, batchSize: 512, epochs: 1 } as const;
    const gru = await trainModel({ ...common, model: { kind: 'gru', steps: 6, hidden: 8, outputSize: 3 }, horizonsMin: [15, 30, 60] });
    await registry.register({ model: 'speed', artifacts: gru.artifacts, metrics: {} });
    const mlp = await trainModel({ ...common, model: { kind: 'mlp', hidden: [8] } });
    await registry.register({ model: 'present', artifacts: mlp.artifacts, metrics: {} });

    const unpromoted = await convoy(['evaluate', '--lake', lakeDir, '--from', '2024-01-04', '--to', '2024-01-05', '--registry', path.join(dir, 'registry'), '--model', 'speed']);
    expect(unpromoted.code).toBe(1);
    expect(unpromoted.stderr).toMatch(/has no promoted version; promote one \(convoy model promote VERSION --model speed/);
    await registry.promote('speed', 1);
    await registry.promote('present', 1);
    const args = ['evaluate', '--lake', lakeDir, '--from', '2024-01-04', '--to', '2024-01-05', '--registry', path.join(dir, 'registry')];
    const scored = await convoy([...args, '--model', 'speed', '--json']);
    expect(scored.code, scored.stderr).toBe(0);
    const report = JSON.parse(scored.stdout) as ForecastReport;
    expect(report.predictors).toEqual(['lastValue', 'rollingMean', 'timeOfDay', 'ridge', 'model']);
    expect(report.modelLabel).toBe('speed v1');
    expect(report.windows.test).toBeGreaterThan(100);
    for (const h of report.horizons) {
      expect(h.at.model!.rows).toBe(h.at.lastValue!.rows);
      expect(Number.isFinite(h.at.model!.mae)).toBe(true);
      // Outputs at 15, 30 and 60 min only: no figure over every step.
      expect(h.upTo.model).toBeUndefined();
    }
    const table = await convoy([...args, '--model', 'speed:1']);
    expect(table.stdout).toMatch(/speed v1/);
    const present = await convoy([...args, '--model', 'present']);
    expect(present.code).toBe(2);
    expect(present.stderr.trim()).toBe('convoy: present v1 predicts the present sample, not a horizon (an MLP without history): evaluate a model trained with --history N or --model gru');
    const bad = await convoy([...args, '--model', 'speed:v0']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'convoy: --model takes NAME or NAME:VERSION (a number like 3, or promoted), got "speed:v0"']);
  });
});
