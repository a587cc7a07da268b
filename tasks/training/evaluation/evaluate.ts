/**
 * Running a model over encoded rows: the prediction function shared by the trainer's per-epoch validation, the
 * validation report and the predictor, so all three compute exactly the same numbers.
 */
import * as tf from '@tensorflow/tfjs';
import type { TimeRange } from '../input/features.ts';
import { ErrorAccumulator, type ErrorMetrics } from './metrics.ts';
import type { Model } from '../models/model.ts';
import type { Normalizer } from '../input/normalizer.ts';
import type { EncodedBatch, Encoder } from '../input/encoded-batch.ts';
import type { FeaturePipeline } from '../input/feature-pipeline.ts';
import { batchesOf, type SampleChunk } from '../input/sample-columns.ts';

/** Raw (un-normalised) input rows in, predictions in target units out (`count × outputs`). */
/**
 * Predictions for `count` encoded rows. Asynchronous because the GPU backend cannot read results back
 * synchronously in Node (tfjs-backend-webgpu's `dataSync` needs an OffscreenCanvas, which Node lacks).
 */
export type PredictFn = (x: Float32Array, count: number) => Promise<Float32Array>;

export async function* encodeStream(
  data: AsyncIterable<SampleChunk>,
  encoder: Encoder,
): AsyncGenerator<EncodedBatch> {
  for await (const chunk of data) {
    for (const batch of batchesOf(chunk)) {
      const encoded = encoder(batch);
      if (encoded.count > 0 || encoded.skipped > 0) yield encoded;
    }
  }
}

export function createPredictFn(model: Model, normalizer: Normalizer, evalBatchSize = 16_384): PredictFn {
  const width = normalizer.width;
  return async (x, count) => {
    const outputs = model.spec.outputSize;
    const result = new Float32Array(count * outputs);
    for (let start = 0; start < count; start += evalBatchSize) {
      const n = Math.min(evalBatchSize, count - start);
      const rows = x.slice(start * width, (start + n) * width);
      normalizer.applyInPlace(rows, n);
      const predicted = tf.tidy(() => model.predict(tf.tensor2d(rows, [n, width])));
      try {
        result.set((await predicted.data()) as Float32Array, start * outputs);
      } finally {
        predicted.dispose();
      }
    }
    return normalizer.denormalizeTargetsInPlace(result);
  };
}

/** Overall error of `predict` on the rows of `range`. */
export async function evaluate(options: {
  predict: PredictFn;
  pipeline: FeaturePipeline;
  data: AsyncIterable<SampleChunk>;
  range?: TimeRange;
  mapeFloor: number;
}): Promise<ErrorMetrics> {
  const acc = new ErrorAccumulator(options.mapeFloor);
  for await (const e of encodeStream(options.data, options.pipeline.encoder(options.range))) {
    if (e.count === 0) continue;
    const p = await options.predict(e.x, e.count);
    for (let i = 0; i < p.length; i++) acc.add(p[i]!, e.y[i]!);
  }
  return acc.result();
}
