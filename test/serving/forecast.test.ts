// Predictor.forecast() and forecastFromLake() against predictRows on the rows the training pipeline makes from
// the same readings: a GRU, an MLP with history and the per-sample MLP, plus the errors for input a model cannot take.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLake, type Lake } from '../../tasks/lake/index.ts';
import { ForecastInputError, MissingReadingError, pipelineFor, Predictor, trainModel, type SensorHistory } from '../../tasks/training/index.ts';
import { SLOT_MS } from '../internal.ts';
import { syntheticTraffic, syntheticTrafficAsync } from '../training/helpers/synthetic-traffic.ts';

const DAY = 86_400_000;
const start = Date.UTC(2024, 0, 1);
const data = { days: 2, segmentsPerCity: 3, cities: ['oslo'], seed: 5 };
const common = { data: () => syntheticTrafficAsync(data), trainRange: { to: start + DAY }, epochs: 1, batchSize: 256, backends: ['wasm' as const] };

interface Row {
  timestamp: number;
  segment: string;
  speed: number;
  roadClass: string;
  freeFlow: number;
  lat: number;
  lon: number;
}

const batches: RecordBatch[] = [...syntheticTraffic(data)];
const rows: Row[] = batches.flatMap((b) =>
  b.toArray().map((r) => ({
    timestamp: Number(r.timestamp),
    segment: String(r.segment_id),
    speed: r.current_speed_kmh as number,
    roadClass: String(r.road_class),
    freeFlow: r.free_flow_speed_kmh as number,
    lat: r.lat as number,
    lon: r.lon as number,
  })),
);

/** The readings of `segment` on the `steps` slots ending at `anchor`, as a caller would pass them. */
function historyOf(segment: string, anchor: number, steps: number): SensorHistory {
  const mine = rows.filter((r) => r.segment === segment && r.timestamp > anchor - steps * SLOT_MS && r.timestamp <= anchor);
  const one = mine[0]!;
  return {
    sensor: segment,
    readings: mine.map((r) => ({ timestamp: r.timestamp, speedKmh: r.speed })),
    timeZone: 'UTC',
    roadClass: one.roadClass,
    freeFlowSpeedKmh: one.freeFlow,
    lat: one.lat,
    lon: one.lon,
  };
}

/** predictRows on the pipeline's own rows, keyed `segment@anchor`. */
async function pipelineForecasts(predictor: Predictor): Promise<Map<string, number[]>> {
  const a = predictor.artifacts;
  const encode = pipelineFor(a.spec, a.target, a.horizonsMin).encoder(undefined, true);
  const out = new Map<string, number[]>();
  for (const b of batches) {
    const e = encode(b);
    if (e.count === 0) continue;
    const y = await predictor.predictRows(e.x, e.count);
    const n = a.horizonsMin.length;
    for (let i = 0; i < e.count; i++) out.set(`${e.meta!.segment[i]}@${e.meta!.timestamp[i]}`, Array.from(y.subarray(i * n, (i + 1) * n)));
  }
  return out;
}

describe('Predictor.forecast', () => {
  let gru: Predictor;
  let mlpHistory: Predictor;
  let mlp: Predictor;
  let folder: string;
  let lake: Lake;
  beforeAll(async () => {
    const [g, m, p] = await Promise.all([
      trainModel({ ...common, model: { kind: 'gru', steps: 6, hidden: 8, outputSize: 3 } }),
      trainModel({ ...common, model: { kind: 'mlp', history: 6, inputSize: 22, hidden: [8], outputSize: 2 }, horizonsMin: [10, 20] }),
      trainModel({ ...common, model: { kind: 'mlp', hidden: [8] } }),
    ]);
    [gru, mlpHistory, mlp] = await Promise.all([g, m, p].map((r) => Predictor.fromArtifacts(r.artifacts, { backends: ['wasm'] })));
    folder = await mkdtemp(join(tmpdir(), 'convoy-forecast-'));
    lake = await openLake(join(folder, 'lake'), { threads: 0 });
    let shard = 0;
    for (const b of batches) await lake.writeShard(`s-${shard++}`, b);
  }, 180_000);
  afterAll(async () => {
    for (const p of [gru, mlpHistory, mlp]) p?.close();
    await lake?.close();
    await rm(folder, { recursive: true, force: true });
  });

  for (const which of ['gru', 'mlp with history'] as const) {
    it(`${which}: equals predictRows on the pipeline's rows, with the horizons named`, async () => {
      const predictor = which === 'gru' ? gru : mlpHistory;
      const expected = await pipelineForecasts(predictor);
      const anchors = [start + 7 * 3_600_000, start + 17 * 3_600_000 + 35 * 60_000, start + DAY + 8 * 3_600_000];
      const histories = ['oslo:0', 'oslo:1', 'oslo:2'].flatMap((segment) => anchors.map((anchor) => historyOf(segment, anchor, 6)));
      const forecasts = await predictor.forecast(histories);
      expect(forecasts).toHaveLength(9);
      forecasts.forEach((f, i) => {
        const h = histories[i]!;
        const anchor = h.readings!.at(-1)!.timestamp as number;
        expect(f.sensor).toBe(h.sensor);
        expect(f.at).toBe(anchor);
        expect(f.horizons.map((x) => x.minutes)).toEqual(predictor.artifacts.horizonsMin);
        expect(f.horizons.map((x) => x.timestamp)).toEqual(predictor.artifacts.horizonsMin.map((m) => anchor + m * 60_000));
        expect(f.horizons.map((x) => x.speedKmh)).toEqual(expected.get(`${h.sensor}@${anchor}`));
      });
    });
  }

  it('reads the same history from a lake: the last slots up to `at`', async () => {
    const anchor = start + 17 * 3_600_000 + 35 * 60_000;
    const fromCaller = await gru.forecast(['oslo:0', 'oslo:2'].map((s) => historyOf(s, anchor, 6)));
    const named = await gru.forecastFromLake(lake, { sensors: ['oslo:0', 'oslo:2'], at: anchor + 60_000 });
    expect(named.forecasts).toEqual(fromCaller);
    const every = await gru.forecastFromLake(lake, { at: anchor + 60_000 });
    expect(every.forecasts.map((f) => f.sensor)).toEqual(['oslo:0', 'oslo:1', 'oslo:2']);
    expect(every.incomplete).toEqual([]);
    // Before the lake's first readings: a named sensor is refused, naming the empty slot.
    const early = gru.forecastFromLake(lake, { sensors: ['oslo:1'], at: start + 10 * 60_000 });
    await expect(early).rejects.toBeInstanceOf(MissingReadingError);
    await expect(early).rejects.toThrow(/"oslo:1".*slot at 2023-12-31T23:45:00\.000Z/);
    const unnamed = await gru.forecastFromLake(lake, { at: start + 10 * 60_000 });
    expect(unnamed.forecasts).toEqual([]);
    expect(unnamed.incomplete.map((s) => s.sensor)).toEqual(['oslo:0', 'oslo:1', 'oslo:2']);
  });

  it('serves the per-sample MLP too: horizon 0 at `at`, equal to predict(samples)', async () => {
    const at = start + 8 * 3_600_000;
    const row = rows.find((r) => r.segment === 'oslo:1' && r.timestamp === at)!;
    const [f] = await mlp.forecast([{ sensor: 'oslo:1', at, roadClass: row.roadClass, freeFlowSpeedKmh: row.freeFlow, lat: row.lat, lon: row.lon }]);
    const [p] = await mlp.predict([{ timestamp: at, hour: 8, day_of_week: 1, road_class: row.roadClass, free_flow_speed_kmh: row.freeFlow, lat: row.lat, lon: row.lon }]);
    expect(f!.horizons).toEqual([{ minutes: 0, timestamp: at, speedKmh: p }]);
    await expect(gru.predict([])).rejects.toThrow(/forecast\(histories\)/);
  });

  it('refuses input it cannot take with a typed error naming the sensor and the field', async () => {
    const anchor = start + 9 * 3_600_000;
    const good = historyOf('oslo:0', anchor, 6);
    const refused = async (h: SensorHistory, pattern: RegExp) => {
      const err = await gru.forecast([good, h]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ForecastInputError);
      expect((err as ForecastInputError).index).toBe(1);
      expect((err as Error).message).toMatch(pattern);
    };
    await refused({ ...good, readings: good.readings!.slice(2) }, /"oslo:0": readings has 4 reading\(s\); this model needs the last 6/);
    await refused({ ...good, roadClass: 'footway' }, /roadClass must be one of motorway, trunk/);
    await refused({ ...good, readings: good.readings!.map((r, i) => (i === 3 ? { ...r, speedKmh: Number.NaN } : r)) }, /readings\[3\]\.speedKmh must be a finite number/);
    await refused({ ...good, lat: Infinity }, /lat must be a finite number/);
    const gap = [...good.readings!.slice(0, 2), ...historyOf('oslo:0', anchor + 10 * 60_000, 4).readings!];
    await refused({ ...good, readings: gap }, /has no reading for the slot at 2024-01-01T08:45:00\.000Z/);
    await refused({ ...good, timeZone: 'Mars/Olympus' }, /timeZone "Mars\/Olympus" is not an IANA time zone/);
  });
});
