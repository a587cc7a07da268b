import { describe, expect, it } from 'vitest';
import { pipelineFor, parseModelSpec, trainModel } from '../../tasks/training/index.ts';
import { SLOT_MS } from '../internal.ts';
import { syntheticTraffic, syntheticTrafficAsync } from './helpers/synthetic-traffic.ts';

const DAY = 86_400_000;
const start = Date.UTC(2024, 0, 1);

describe('sequence windows', () => {
  const spec = parseModelSpec({ kind: 'gru' });
  it('pairs the last 12 readings with the readings 15/30/60 minutes later', () => {
    const pipeline = pipelineFor(spec, 'speed');
    const encode = pipeline.encoder(undefined, true);
    const batches = [...syntheticTraffic({ days: 1, segmentsPerCity: 2, cities: ['oslo'], batchRows: 100, seed: 3 })];
    const bySegment = new Map<string, Map<number, number>>();
    for (const b of batches) {
      for (const r of b.toArray()) {
        const seg = String(r.segment_id);
        if (!bySegment.has(seg)) bySegment.set(seg, new Map());
        bySegment.get(seg)!.set(Number(r.timestamp), r.current_speed_kmh as number);
      }
    }
    let examples = 0;
    for (const b of batches) {
      const e = encode(b);
      for (let i = 0; i < e.count; i++) {
        const seg = bySegment.get(e.meta!.segment[i]!)!;
        const anchor = e.meta!.timestamp[i]!;
        for (let k = 0; k < 12; k++) expect(e.x[i * 28 + k]).toBe(seg.get(anchor - (11 - k) * SLOT_MS));
        expect([0, 1, 2].map((h) => e.y[i * 3 + h])).toEqual([3, 6, 12].map((s) => seg.get(anchor + s * SLOT_MS)));
        expect(e.meta!.lastValue[i]).toBe(seg.get(anchor));
        examples++;
      }
    }
    // one example per reading once 12 past and 12 future slots exist
    expect(examples).toBe(2 * (288 - 23));
  });

  it('keeps every example of a range wholly inside it, so no reading crosses the split', () => {
    const split = start + 12 * 3_600_000;
    const pipeline = pipelineFor(spec, 'speed');
    const count = (range: { from?: number; to?: number }) => {
      const encode = pipeline.encoder(range, true);
      let n = 0;
      for (const b of syntheticTraffic({ days: 1, segmentsPerCity: 1, cities: ['oslo'], seed: 3 })) {
        const e = encode(b);
        for (let i = 0; i < e.count; i++) {
          const first = e.meta!.timestamp[i]! - 11 * SLOT_MS;
          const lastTarget = e.meta!.timestamp[i]! + 12 * SLOT_MS;
          if (range.to !== undefined) expect(lastTarget).toBeLessThan(range.to);
          if (range.from !== undefined) expect(first).toBeGreaterThanOrEqual(range.from);
        }
        n += e.count;
      }
      return n;
    };
    expect(count({ to: split }) + count({ from: split })).toBe(2 * (144 - 23));
  });
});

describe('GRU sequence model', () => {
  it('learns to forecast 15/30/60 minutes ahead better than the first epoch did', async () => {
    const data = { days: 3, segmentsPerCity: 6, seed: 8 };
    const result = await trainModel({
      model: { kind: 'gru', hidden: 16 },
      data: () => syntheticTrafficAsync(data),
      trainRange: { to: start + 2 * DAY },
      validRange: { from: start + 2 * DAY },
      epochs: 3,
      batchSize: 256,
      learningRate: 5e-3,
      backends: ['wasm'],
    });
    expect(result.artifacts.horizonsMin).toEqual([15, 30, 60]);
    expect(result.artifacts.pipeline).toBe('history12-speed');
    const [first, , last] = result.history;
    expect(last!.validMae).toBeLessThan(first!.validMae!);
    expect(last!.validMae).toBeLessThan(8.5);
  }, 180_000);
});
