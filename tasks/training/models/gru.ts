/**
 * Sequence model: a GRU over a segment's recent readings, then a dense head that also sees the context of the
 * prediction moment (time of day, road class, …), with one output per horizon (15/30/60 minutes ahead).
 *
 * Input rows are flat: `steps × stepSize` history values, oldest first, then `contextSize` context features.
 * Training uses a hand-written backward pass through time (gru-bptt.ts): on the wasm backend tfjs's autodiff
 * of the step loop was the bottleneck.
 */
import * as tf from '@tensorflow/tfjs';
import { gruForward, gruLossAndGrads, type GruWeights } from './gru-bptt.ts';
import type { GruSpec, LossAndGrads, Model } from './model.ts';

export class GruModel implements Model {
  readonly params: Map<string, tf.Variable>;

  constructor(
    readonly spec: GruSpec,
    seed = 1,
  ) {
    const { stepSize: s, hidden: h, contextSize: c, outputSize: o } = spec;
    const glorot = (shape: [number, number], k: number) => {
      const limit = Math.sqrt(6 / (shape[0] + shape[1]));
      return tf.variable(tf.randomUniform(shape, -limit, limit, 'float32', seed + k));
    };
    this.params = new Map<string, tf.Variable>([
      // Update (z), reset (r) and candidate (n) gates side by side: [z | r | n].
      ['gru/input_kernel', glorot([s, 3 * h], 0)],
      ['gru/recurrent_kernel', glorot([h, 3 * h], 1)],
      ['gru/bias', tf.variable(tf.zeros([3 * h]))],
      ['head/kernel', glorot([h + c, o], 2)],
      ['head/bias', tf.variable(tf.zeros([o]))],
    ]);
  }

  private p(name: string): tf.Variable {
    return this.params.get(name)!;
  }

  private weights(): GruWeights {
    return {
      inputKernel: this.p('gru/input_kernel') as tf.Tensor2D,
      recurrentKernel: this.p('gru/recurrent_kernel') as tf.Tensor2D,
      bias: this.p('gru/bias') as tf.Tensor1D,
      headKernel: this.p('head/kernel') as tf.Tensor2D,
      headBias: this.p('head/bias') as tf.Tensor1D,
    };
  }

  predict(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => gruForward(this.spec, this.weights(), x).out);
  }

  lossAndGrads(x: tf.Tensor2D, y: tf.Tensor2D): LossAndGrads {
    const grads = new Map<string, tf.Tensor>();
    const loss = tf.tidy(() => {
      const g = gruLossAndGrads(this.spec, this.weights(), x, y);
      grads.set('gru/input_kernel', tf.keep(g.inputKernel));
      grads.set('gru/recurrent_kernel', tf.keep(g.recurrentKernel));
      grads.set('gru/bias', tf.keep(g.bias));
      grads.set('head/kernel', tf.keep(g.headKernel));
      grads.set('head/bias', tf.keep(g.headBias));
      return g.loss;
    });
    return { loss, grads };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}
