/**
 * Sequence model: a GRU over a segment's recent readings, then a dense head that also sees the context of the
 * prediction moment (time of day, road class, …), with one output per horizon (15/30/60 minutes ahead).
 *
 * Input rows are flat: `steps × stepSize` history values, oldest first, then `contextSize` context features.
 * The recurrence is small (12 steps of a 32-wide state), so tfjs's autodiff is used as is; only the MLP needed
 * a hand-written backward pass for speed.
 */
import * as tf from '@tensorflow/tfjs';
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

  private forward(x: tf.Tensor2D): tf.Tensor2D {
    const { steps, stepSize, hidden: h, contextSize } = this.spec;
    const n = x.shape[0];
    const wx = this.p('gru/input_kernel');
    const wh = this.p('gru/recurrent_kernel');
    const b = this.p('gru/bias');
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
    const features =
      contextSize > 0 ? tf.concat([state, tf.slice(x, [0, steps * stepSize], [n, contextSize])], 1) : state;
    return tf.add(tf.matMul(features, this.p('head/kernel')), this.p('head/bias'));
  }

  predict(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.forward(x));
  }

  lossAndGrads(x: tf.Tensor2D, y: tf.Tensor2D): LossAndGrads {
    const names = [...this.params.keys()];
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.square(tf.sub(this.forward(x), y))) as tf.Scalar,
      [...this.params.values()],
    );
    // variableGrads keys gradients by the engine's variable names; map them back to our logical names.
    const byName = new Map<string, tf.Tensor>();
    for (const name of names) byName.set(name, grads[this.p(name).name]!);
    return { loss: value, grads: byName };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}
