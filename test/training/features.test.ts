import { describe, expect, it } from 'vitest';
import { MLP_FEATURE_COUNT, encodeMlpFeatures } from '../../tasks/training/index.ts';
import { encodeMlpRows, int64ToNumbers, sampleColumns } from '../internal.ts';
import { syntheticTraffic } from './helpers/synthetic-traffic.ts';

describe('training input encoding', () => {
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
