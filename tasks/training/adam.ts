/**
 * Adam (Kingma & Ba) with state keyed by the model's logical parameter names.
 *
 * tfjs's own `AdamOptimizer` keeps its moments positionally and under the engine's process-unique variable
 * names, so its `getWeights()` from one process cannot be loaded into a model built in another — which is
 * exactly what resuming a checkpoint after a crash does. The update itself is the textbook one, with the
 * bias correction folded into the step size.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedArrays } from './tensor-file.ts';

export interface AdamOptions {
  /** @default 1e-3 */
  learningRate: number;
  /** @default 0.9 */
  beta1?: number;
  /** @default 0.999 */
  beta2?: number;
  /** @default 1e-7 */
  epsilon?: number;
}

export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** Updates applied so far. */
  iterations = 0;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(
    readonly params: ReadonlyMap<string, tf.Variable>,
    public learningRate: number,
    options: Omit<AdamOptions, 'learningRate'> = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** Applies one update from gradients keyed like `params`. Does not dispose the gradients. */
  apply(grads: ReadonlyMap<string, tf.Tensor>): void {
    this.iterations++;
    const t = this.iterations;
    const stepSize = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads.get(name);
        if (!g) continue;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        p.assign(tf.sub(p, tf.div(tf.mul(m, stepSize), tf.add(tf.sqrt(v), this.epsilon))));
      }
    });
  }

  /** Moments as `name/m`, `name/v` arrays, for a checkpoint. */
  async state(): Promise<NamedArrays> {
    const out: NamedArrays = new Map();
    for (const [name, m] of this.m) {
      out.set(`${name}/m`, { shape: [...m.shape], data: (await m.data()) as Float32Array });
      out.set(`${name}/v`, { shape: [...m.shape], data: (await this.v.get(name)!.data()) as Float32Array });
    }
    return out;
  }

  /** Restores moments saved by {@link state}; missing entries keep their zeros (a fresh optimiser). */
  load(state: NamedArrays, iterations: number): void {
    this.iterations = iterations;
    for (const [name, m] of this.m) {
      const sm = state.get(`${name}/m`);
      const sv = state.get(`${name}/v`);
      if (sm) tf.tidy(() => m.assign(tf.tensor(sm.data, m.shape)));
      if (sv) tf.tidy(() => this.v.get(name)!.assign(tf.tensor(sv.data, m.shape)));
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
