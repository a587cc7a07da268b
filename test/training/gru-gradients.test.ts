import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GruModel } from '../../tasks/training/models/gru.ts';
import { parseModelSpec } from '../../tasks/training/models/index.ts';
import type { GruSpec } from '../../tasks/training/models/model.ts';
import { selectBackend } from '../../tasks/training/index.ts';

/**
 * The GRU's forward pass as it was written before the hand-written backward pass (autodiffed by tfjs then),
 * kept here verbatim as the reference: the model's outputs and gradients must match it.
 */
function referenceForward(model: GruModel, x: tf.Tensor2D): tf.Tensor2D {
  const { steps, stepSize, hidden: h, contextSize } = model.spec;
  const p = (name: string) => model.params.get(name)!;
  const n = x.shape[0];
  const wx = p('gru/input_kernel');
  const wh = p('gru/recurrent_kernel');
  const b = p('gru/bias');
  const [whZr, whN] = tf.split(wh, [2 * h, h], 1);
  let state: tf.Tensor2D = tf.zeros([n, h]);
  for (let t = 0; t < steps; t++) {
    const xt = tf.slice(x, [0, t * stepSize], [n, stepSize]);
    const gx = tf.add(tf.matMul(xt, wx), b);
    const [gxZr, gxN] = tf.split(gx, [2 * h, h], 1);
    const zr = tf.sigmoid(tf.add(gxZr!, tf.matMul(state, whZr!)));
    const [z, r] = tf.split(zr, 2, 1);
    const cand = tf.tanh(tf.add(gxN!, tf.matMul(tf.mul(r!, state), whN!)));
    state = tf.add(tf.mul(tf.sub(1, z!), cand), tf.mul(z!, state));
  }
  const features = contextSize > 0 ? tf.concat([state, tf.slice(x, [0, steps * stepSize], [n, contextSize])], 1) : state;
  return tf.add(tf.matMul(features, p('head/kernel')), p('head/bias'));
}

/** Equal up to float rounding; `zero`: autodiff's gradient is exactly zero (one step from a zero state). */
const close = (mine: ArrayLike<number>, theirs: ArrayLike<number>, zero = false) => {
  expect(mine.length).toBe(theirs.length);
  const scale = Math.max(...Array.from(theirs, Math.abs));
  if (zero) expect(scale).toBe(0);
  else expect(scale).toBeGreaterThan(0);
  for (let i = 0; i < mine.length; i++) expect(Math.abs(mine[i]! - theirs[i]!)).toBeLessThan(1e-4 * scale + 1e-6);
};

describe('GRU hand-written backward pass through time', () => {
  beforeAll(async () => {
    await selectBackend({ prefer: ['wasm'] });
  });

  it.each([
    { name: 'single-sensor', steps: 12, stepSize: 1, contextSize: 16, hidden: 32, outputSize: 3 },
    { name: 'graph', steps: 12, stepSize: 2, contextSize: 16, hidden: 32, outputSize: 3 },
    { name: 'one step', steps: 1, stepSize: 2, contextSize: 4, hidden: 6, outputSize: 1 },
    { name: 'no context, odd sizes', steps: 5, stepSize: 3, contextSize: 0, hidden: 7, outputSize: 2 },
  ])('gives the same outputs, loss and gradients as autodiff of the original forward pass ($name)', ({ name: _, ...shape }) => {
    const spec = parseModelSpec({ kind: 'gru', ...shape }) as GruSpec;
    const model = new GruModel(spec, 3);
    // Non-zero biases, so their paths through the gates are exercised too (the constructor zeroes them).
    model.params.get('gru/bias')!.assign(tf.randomNormal([3 * spec.hidden], 0, 0.5, 'float32', 21));
    model.params.get('head/bias')!.assign(tf.randomNormal([spec.outputSize], 0, 0.5, 'float32', 22));
    const width = spec.steps * spec.stepSize + spec.contextSize;
    const x = tf.randomNormal([200, width], 0, 1, 'float32', 11) as tf.Tensor2D;
    const y = tf.randomNormal([200, spec.outputSize], 0, 1, 'float32', 12) as tf.Tensor2D;

    close(model.predict(x).dataSync(), tf.tidy(() => referenceForward(model, x)).dataSync());
    const { loss, grads } = model.lossAndGrads(x, y);
    const auto = tf.variableGrads(() => tf.mean(tf.square(tf.sub(referenceForward(model, x), y))) as tf.Scalar, [...model.params.values()]);
    expect(loss.dataSync()[0]).toBeCloseTo(auto.value.dataSync()[0]!, 5);
    expect([...grads.keys()].sort()).toEqual([...model.params.keys()].sort());
    for (const [name, v] of model.params) {
      expect(grads.get(name)!.shape, name).toEqual(v.shape);
      close(grads.get(name)!.dataSync(), auto.grads[v.name]!.dataSync(), spec.steps === 1 && name === 'gru/recurrent_kernel');
    }
    model.dispose();
  });

  it('leaves no tensors behind but the loss and the gradients it returns', () => {
    const spec = parseModelSpec({ kind: 'gru', steps: 4, stepSize: 2, contextSize: 3, hidden: 5, outputSize: 2 }) as GruSpec;
    const model = new GruModel(spec, 1);
    const x = tf.randomNormal([10, 11]) as tf.Tensor2D;
    const y = tf.randomNormal([10, 2]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const { loss, grads } = model.lossAndGrads(x, y);
    expect(tf.memory().numTensors).toBe(before + 1 + grads.size);
    tf.dispose([loss, ...grads.values()]);
    tf.tidy(() => model.predict(x)).dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
