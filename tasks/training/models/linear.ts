/**
 * The linear forecaster: outputs = inputs · W + b, on the normalised features (a history window's lags and
 * the context of the moment). Fitted in closed form (ridge, evaluation/ridge.ts) by the trainer in one pass
 * rather than by gradient steps: the exact least-squares answer, the strong baseline forecasting papers
 * report beside their networks. Its gradients exist too (tf autodiff), so it can also train like the others.
 */
import * as tf from '@tensorflow/tfjs';
import type { LinearSpec, LossAndGrads, Model } from './model.ts';

export class LinearModel implements Model {
  readonly params: Map<string, tf.Variable>;

  constructor(readonly spec: LinearSpec) {
    this.params = new Map<string, tf.Variable>([
      ['linear/kernel', tf.variable(tf.zeros([spec.inputSize, spec.outputSize]))],
      ['linear/bias', tf.variable(tf.zeros([spec.outputSize]))],
    ]);
  }

  predict(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(x, this.params.get('linear/kernel')!), this.params.get('linear/bias')!));
  }

  lossAndGrads(x: tf.Tensor2D, y: tf.Tensor2D): LossAndGrads {
    const names = [...this.params.keys()];
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(this.predict(x), y))) as tf.Scalar, [...this.params.values()]);
    const byName = new Map<string, tf.Tensor>();
    for (const name of names) byName.set(name, grads[this.params.get(name)!.name]!);
    return { loss: value, grads: byName };
  }

  /** Sets the weights from a closed-form fit: one weight vector per output, the bias last in each. */
  assign(weights: readonly Float64Array[]): void {
    const { inputSize: d, outputSize: o } = this.spec;
    const kernel = new Float32Array(d * o);
    const bias = new Float32Array(o);
    weights.forEach((w, k) => {
      for (let i = 0; i < d; i++) kernel[i * o + k] = w[i]!;
      bias[k] = w[d]!;
    });
    tf.tidy(() => {
      this.params.get('linear/kernel')!.assign(tf.tensor2d(kernel, [d, o]));
      this.params.get('linear/bias')!.assign(tf.tensor1d(bias));
    });
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}
