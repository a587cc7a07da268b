import { describe, expect, it } from 'vitest';
import { Adam, selectBackend } from '../../tasks/training/index.ts';
import { tf } from '../internal.ts';

/** The textbook update in plain JavaScript, one parameter at a time, as the reference. */
function reference(p: number[], grads: number[][], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-7): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  p = [...p];
  grads.forEach((g, step) => {
    const t = step + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      p[i] = p[i]! - (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t) * (m[i]! / (Math.sqrt(v[i]!) + eps));
    }
  });
  return p;
}

describe('Adam over all parameters at once', () => {
  it('updates each parameter as the per-parameter textbook rule does, and resumes from its state', async () => {
    await selectBackend({ prefer: ['cpu'] });
    const init = { w: [[0.5, -1], [2, 0.25]], b: [0.1, -0.2, 0.3] };
    const make = () => new Map<string, tf.Variable>([['w', tf.variable(tf.tensor2d(init.w))], ['b', tf.variable(tf.tensor1d(init.b))]]);
    const steps = [
      { w: [[1, 2], [3, 4]], b: [0.5, -0.5, 1] },
      { w: [[-1, 0.5], [0, 2]], b: [0, 1, -1] },
      { w: [[0.3, 0.3], [-0.3, 0.1]], b: [2, 2, 2] },
    ];
    const params = make();
    const adam = new Adam(params, 0.01);
    const grads = (s: (typeof steps)[number]) => new Map<string, tf.Tensor>([['w', tf.tensor2d(s.w)], ['b', tf.tensor1d(s.b)]]);
    adam.apply(grads(steps[0]!));
    // a second optimiser picks up from the first one's checkpointed state
    const resumedParams = make();
    resumedParams.get('w')!.assign(params.get('w')!);
    resumedParams.get('b')!.assign(params.get('b')!);
    const resumed = new Adam(resumedParams, 0.01);
    resumed.load(await adam.state(), adam.iterations);
    for (const s of steps.slice(1)) {
      adam.apply(grads(s));
      resumed.apply(grads(s));
    }
    const expectW = reference(init.w.flat(), steps.map((s) => s.w.flat()), 0.01);
    const expectB = reference(init.b, steps.map((s) => s.b), 0.01);
    for (const ps of [params, resumedParams]) {
      const w = Array.from(await ps.get('w')!.data());
      const b = Array.from(await ps.get('b')!.data());
      w.forEach((x, i) => expect(x).toBeCloseTo(expectW[i]!, 5));
      b.forEach((x, i) => expect(x).toBeCloseTo(expectB[i]!, 5));
      expect(ps.get('w')!.shape).toEqual([2, 2]);
    }
    expect(Array.from(await resumedParams.get('b')!.data())).toEqual(Array.from(await params.get('b')!.data()));
  });

  it('refuses a missing gradient and a checkpoint entry of the wrong size', async () => {
    await selectBackend({ prefer: ['cpu'] });
    const params = new Map<string, tf.Variable>([['w', tf.variable(tf.zeros([3]))], ['b', tf.variable(tf.zeros([2]))]]);
    const adam = new Adam(params, 0.01);
    expect(() => adam.apply(new Map([['w', tf.ones([3])]]))).toThrow(/no gradient for b/);
    const state = await adam.state();
    state.set('b/v', { shape: [3], data: new Float32Array(3) });
    expect(() => adam.load(state, 1)).toThrow(/b\/v holds 3 values, the parameter has 2/);
  });
});
