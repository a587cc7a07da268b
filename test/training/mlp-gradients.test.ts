import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, MlpModel, parseModelSpec } from '../../tasks/training/index.ts';
import type { MlpSpec } from '../internal.ts';

describe('MLP hand-derived backward pass', () => {
  beforeAll(async () => {
    await selectBackend({ prefer: ['wasm'] });
  });

  it.each(['augmented', 'transposed'] as const)('gives the same loss and gradients as tfjs autodiff (%s backward pass)', (backward) => {
    const model = new MlpModel(parseModelSpec({ kind: 'mlp', inputSize: 16, hidden: [32, 24], outputSize: 2 }) as MlpSpec, 5, backward);
    const x = tf.randomNormal([300, 16], 0, 1, 'float32', 11) as tf.Tensor2D;
    const y = tf.randomNormal([300, 2], 0, 1, 'float32', 12) as tf.Tensor2D;
    const { loss, grads } = model.lossAndGrads(x, y);
    const params = [...model.params.values()];
    const auto = tf.variableGrads(() => tf.losses.meanSquaredError(y, model.predict(x)) as tf.Scalar, params);
    expect(loss.dataSync()[0]).toBeCloseTo(auto.value.dataSync()[0]!, 5);
    for (const [name, v] of model.params) {
      const mine = grads.get(name)!.dataSync();
      const theirs = auto.grads[v.name]!.dataSync();
      expect(mine.length).toBe(theirs.length);
      const scale = Math.max(...Array.from(theirs, Math.abs));
      expect(scale).toBeGreaterThan(0);
      for (let i = 0; i < mine.length; i++) expect(Math.abs(mine[i]! - theirs[i]!)).toBeLessThan(1e-4 * scale + 1e-6);
    }
    model.dispose();
  });
});
