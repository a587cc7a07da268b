// The linear forecaster is the least-squares fit of its rows, solved in closed form by the trainer: its
// predictions equal those of an independent solve of the normal equations on the same normalised rows.
import { describe, expect, it } from 'vitest';
import { trainModel } from '../../tasks/training/trainer.ts';
import { Predictor } from '../../tasks/training/predictor.ts';
import { pipelineFor } from '../../tasks/training/input/feature-pipeline.ts';
import { Normalizer } from '../../tasks/training/input/normalizer.ts';
import { encodeStream } from '../../tasks/training/evaluation/evaluate.ts';
import { trialModel } from '../../tasks/training/trial-config.ts';
import { parseModelSpec } from '../../tasks/training/models/index.ts';
import { syntheticTraffic } from './helpers/synthetic-traffic.ts';

/** Solves A w = b by Gaussian elimination with partial pivoting (no penalty): the textbook closed form. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

describe('linear model', () => {
  it('predicts what an independent least-squares solve of its training rows predicts', { timeout: 120_000 }, async () => {
    const start = Date.UTC(2024, 0, 1);
    const batches = [...syntheticTraffic({ start, days: 2, segmentsPerCity: 3, seed: 21 })];
    async function* data() {
      yield* batches;
    }
    const { spec, horizonsMin } = trialModel({ model: 'linear', history: 4, horizons: [15, 30] });
    const result = await trainModel({ data, model: spec, horizonsMin, epochs: 5 });
    // Solved once, whatever `epochs` asked.
    expect(result.epochsCompleted).toBe(1);
    const a = result.artifacts;
    expect(a.pipeline).toBe('history4-speed');

    // The same rows, normalised with the model's own statistics; the normal equations solved here.
    const pipeline = pipelineFor(parseModelSpec(spec), 'speed', horizonsMin);
    const normalizer = Normalizer.fromJSON(a.normalizer, 'test');
    const width = 4 + 16;
    const rows: { x: number[]; y: number[] }[] = [];
    const raw: number[][] = [];
    for await (const e of encodeStream(data(), pipeline.encoder())) {
      for (let r = 0; r < e.count; r++) raw.push([...e.x.subarray(r * width, (r + 1) * width)]);
      normalizer.applyInPlace(e.x, e.count);
      normalizer.normalizeTargetsInPlace(e.y, e.count * 2);
      for (let r = 0; r < e.count; r++) rows.push({ x: [...e.x.subarray(r * width, (r + 1) * width), 1], y: [...e.y.subarray(r * 2, r * 2 + 2)] });
    }
    expect(rows.length).toBeGreaterThan(500);
    const d = width + 1;
    // Constant columns (a road class no segment has) make XᵀX singular: a tiny ridge, as any solver needs.
    const xtx = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r.x[i]! * r.x[j]!, 0) + (i === j && i < d - 1 ? 1e-6 * rows.length : 0)));
    const json = a.normalizer;
    const predictor = await Predictor.fromArtifacts(a);
    const sample = raw.slice(0, 200);
    const predicted = await predictor.predictRows(Float32Array.from(sample.flat()), sample.length);
    for (let o = 0; o < 2; o++) {
      const w = solve(xtx, Array.from({ length: d }, (_, i) => rows.reduce((s, r) => s + r.x[i]! * r.y[o]!, 0)));
      for (let k = 0; k < sample.length; k++) {
        const ours = rows[k]!.x.reduce((s, v, i) => s + v * w[i]!, 0) * json.targetStd + json.targetMean;
        expect(predicted[k * 2 + o]!).toBeCloseTo(ours, 1);
      }
    }
    predictor.close();
  });
});
