/**
 * Multi-layer perceptron (ReLU hidden layers, linear output) with a hand-derived backward pass.
 *
 * Why not `optimizer.minimize`: on the wasm backend, tfjs's autodiff expresses weight gradients as
 * `matMul(a, d, transposeA=true)` and bias gradients as `sum(d, 0)`, and both fall off XNNPACK onto slow
 * loops (measured: 25 ms for one [64×4096]ᵀ·[4096×64] product against 3.5 ms for the same product on
 * an explicitly transposed operand). The backward pass below only issues plain matrix products and gets each
 * layer's weight and bias gradient from one product by appending a row of ones to the transposed
 * activations: `[aᵀ; 1] · d = [∂W; ∂b]`. On one core that is 3.5× the samples/s of `minimize`, and the
 * gradients equal autodiff's (test/training/mlp-gradients.test.ts).
 *
 * On the GPU the trade runs the other way for batches up to 65,536 rows: every kernel is a dispatch with a
 * fixed cost, and the transposes, concatenations and splits of that trick are kernels of their own. There the
 * backward pass is the textbook one (`∂W = aᵀ·d` as a transposed product, `∂b = Σd`), 5 kernels a layer instead
 * of 9. Past that, tfjs-webgpu's transposed product over a long inner dimension becomes the slow part and the
 * trick wins again (measured on an H200: batch 4,096 4.7 ms a step against 6.1; batch 262,144 10.5 against 8.8).
 */
import * as tf from '@tensorflow/tfjs';
import type { LossAndGrads, MlpSpec, Model } from './model.ts';

/**
 * `augmented`: weight and bias gradients from one plain product with a row of ones (fastest on wasm).
 * `transposed`: transposed products and a column sum (fewest kernels: GPU backends).
 */
export type MlpBackward = 'augmented' | 'transposed';

export class MlpModel implements Model {
  readonly params: Map<string, tf.Variable>;
  private readonly weights: tf.Variable[] = [];
  private readonly biases: tf.Variable[] = [];
  private readonly onesRows = new Map<number, tf.Tensor2D>();

  constructor(
    readonly spec: MlpSpec,
    seed = 1,
    /** @default 'augmented' on the wasm backend and for batches over 65,536 rows, else 'transposed' */
    private readonly backward?: MlpBackward,
  ) {
    this.params = new Map();
    const sizes = [spec.inputSize, ...spec.hidden, spec.outputSize];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const fanIn = sizes[i]!;
      const fanOut = sizes[i + 1]!;
      // He-uniform for ReLU layers keeps activations from shrinking layer by layer; Glorot for the linear head.
      const limit = i + 2 < sizes.length ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
      const w = tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', seed + i));
      const b = tf.variable(tf.zeros([fanOut]));
      this.weights.push(w);
      this.biases.push(b);
      this.params.set(`dense${i}/kernel`, w);
      this.params.set(`dense${i}/bias`, b);
    }
  }

  predict(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let a: tf.Tensor2D = x;
      const last = this.weights.length - 1;
      for (let i = 0; i <= last; i++) {
        a = tf.fused.matMul({
          a,
          b: this.weights[i]!,
          bias: this.biases[i]!,
          activation: i < last ? 'relu' : 'linear',
        }) as tf.Tensor2D;
      }
      return a;
    });
  }

  lossAndGrads(x: tf.Tensor2D, y: tf.Tensor2D): LossAndGrads {
    const grads = new Map<string, tf.Tensor>();
    const loss = tf.tidy(() => {
      const last = this.weights.length - 1;
      const acts: tf.Tensor2D[] = [x];
      for (let i = 0; i < last; i++) {
        acts.push(
          tf.fused.matMul({ a: acts[i]!, b: this.weights[i]!, bias: this.biases[i]!, activation: 'relu' }) as tf.Tensor2D,
        );
      }
      const out = tf.fused.matMul({ a: acts[last]!, b: this.weights[last]!, bias: this.biases[last]! });
      const diff = tf.sub(out, y);
      const loss = tf.mean(tf.square(diff)) as tf.Scalar;
      let d: tf.Tensor2D = tf.mul(diff, 2 / diff.size);
      const backward = this.backward ?? (tf.getBackend() === 'wasm' || x.shape[0] > 65_536 ? 'augmented' : 'transposed');
      if (backward === 'transposed') {
        for (let i = last; i >= 0; i--) {
          const a = acts[i]!;
          grads.set(`dense${i}/kernel`, tf.keep(tf.matMul(a, d, true, false)));
          grads.set(`dense${i}/bias`, tf.keep(tf.sum(d, 0)));
          if (i > 0) d = tf.mul(tf.matMul(d, this.weights[i]!, false, true), tf.step(a));
        }
        return loss;
      }
      for (let i = last; i >= 0; i--) {
        const a = acts[i]!;
        const aug = tf.concat([tf.transpose(a), this.onesRow(x.shape[0])], 0);
        const [gw, gb] = tf.split(tf.matMul(aug, d), [a.shape[1], 1], 0);
        grads.set(`dense${i}/kernel`, tf.keep(gw!));
        grads.set(`dense${i}/bias`, tf.keep(tf.reshape(gb!, [-1])));
        if (i > 0) d = tf.mul(tf.matMul(d, tf.transpose(this.weights[i]!)), tf.step(a));
      }
      return loss;
    });
    return { loss, grads };
  }

  private onesRow(n: number): tf.Tensor2D {
    let ones = this.onesRows.get(n);
    if (!ones) {
      // The last batch of an epoch is shorter; keep at most a couple of sizes alive.
      if (this.onesRows.size > 2) this.disposeOnes();
      ones = tf.keep(tf.ones([1, n]));
      this.onesRows.set(n, ones);
    }
    return ones;
  }

  private disposeOnes(): void {
    for (const t of this.onesRows.values()) t.dispose();
    this.onesRows.clear();
  }

  dispose(): void {
    this.disposeOnes();
    for (const v of this.params.values()) v.dispose();
  }
}
