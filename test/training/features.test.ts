import { describe, expect, it } from 'vitest';
import { MLP_FEATURE_COUNT, encodeMlpFeatures } from '../../tasks/training/index.ts';
import { encodeMlpRows, int64ToNumbers, sampleColumns } from '../internal.ts';
import { syntheticTraffic } from './helpers/synthetic-traffic.ts';
import { batchesFromSamples } from '../../tasks/traffic/batch-builder.ts';

describe('training input encoding', () => {
  it('keeps a sample without coordinates or free-flow speed (an imported sensor dataset), reading 0 there', () => {
    const base = { timestamp: Date.UTC(2026, 0, 5, 8), city: 'metr', segment_id: '717447', road_class: 'motorway', hour: 8, day_of_week: 1, congestion: 0, confidence: 1, free_flow_travel_time_s: null, current_travel_time_s: null, source: 'import' };
    const [batch] = batchesFromSamples([
      { ...base, lat: NaN, lon: NaN, free_flow_speed_kmh: NaN, current_speed_kmh: 97 },
      { ...base, lat: NaN, lon: NaN, free_flow_speed_kmh: NaN, current_speed_kmh: NaN },
    ]);
    const enc = encodeMlpRows(sampleColumns(batch!), 'speed');
    // The second has no target: skipped. The first trains, with its place features at 0.
    expect([enc.count, enc.skipped, enc.y[0]]).toEqual([1, 1, 97]);
    expect([...enc.x.subarray(13, 16)]).toEqual([0, 0, 0]);
    expect([...enc.x].every(Number.isFinite)).toBe(true);
  });

  it('reads 64-bit epoch milliseconds exactly, before 1970 and far after it', () => {
    const ms = [0, 1, -1, 1_767_225_600_123, -86_400_000, 2 ** 40 + 7, -(2 ** 45) - 3, Number.MAX_SAFE_INTEGER];
    expect(Array.from(int64ToNumbers(BigInt64Array.from(ms.map(BigInt))))).toEqual(ms);
    // a view into a larger buffer (as an Arrow column often is)
    const big = BigInt64Array.from([9n, 8n, 1_700_000_000_000n, -5n]);
    expect(Array.from(int64ToNumbers(big.subarray(2)))).toEqual([1_700_000_000_000, -5]);
  });

  it('encodes a batch row by row exactly as the per-sample encoder does', () => {
    const batch = syntheticTraffic({ days: 1, segmentsPerCity: 6, seed: 9, batchRows: 500 }).next().value!;
    const cols = sampleColumns(batch);
    const enc = encodeMlpRows(cols, 'speed');
    expect(enc.count).toBeGreaterThan(400);
    const one = new Float32Array(MLP_FEATURE_COUNT);
    for (let r = 0; r < enc.count; r++) {
      const i = enc.rowIndex[r]!;
      const ts = Number(batch.getChild('timestamp')!.get(i));
      expect(cols.timestamp[i]).toBe(ts);
      encodeMlpFeatures(one, 0, {
        hour: cols.hour[i]!,
        dayOfWeek: cols.dayOfWeek[i]!,
        timestampMs: ts,
        roadClass: String(batch.getChild('road_class')!.get(i)),
        freeFlowSpeedKmh: cols.freeFlowSpeedKmh[i]!,
        lat: cols.lat[i]!,
        lon: cols.lon[i]!,
      });
      expect(Array.from(enc.x.subarray(r * MLP_FEATURE_COUNT, (r + 1) * MLP_FEATURE_COUNT))).toEqual(Array.from(one));
    }
  });
});
