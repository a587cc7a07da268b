/**
 * The GRU's forward pass over all steps and its hand-written backward pass through time (BPTT), for
 * tasks/training/models/gru.ts.
 *
 * Why not `tf.variableGrads`: on the wasm backend the autodiffed step loop spends its time in the gradients of
 * its per-step slices and splits, and those kernels are JavaScript loops that first copy their whole input out
 * of the wasm heap. So here nothing of batch size is sliced per step: the weights are cut per gate once per
 * call (small), each step's input projection is x·Kₜ with Kₜ the input kernel padded to x's width at step t's
 * rows, the backward loop carries only elementwise work and the products the state gradient needs, and the
 * weight gradients are a few plain products over all steps at once on explicitly transposed step-major stacks
 * (transposed products fall off XNNPACK, see mlp.ts), bias gradients by a row of ones (`[aᵀ; 1]·d`). On one
 * core at batch 4096 that is 3–4× the samples/s of autodiff (`npm run -s bench -- train-seq`: 8,100 → 27,000–
 * 31,000 for the single-sensor GRU on a shared 2-core machine), and the gradients equal autodiff's of the
 * original forward pass (test/training/gru-gradients.test.ts).
 *
 * The cell, per step t (z update, r reset, c candidate; `⊙` elementwise; columns [z | r | n]):
 *   z = σ(xₜ·Wₓ_z + b_z + hₜ₋₁·Wₕ_z)      r = σ(xₜ·Wₓ_r + b_r + hₜ₋₁·Wₕ_r)
 *   c = tanh(xₜ·Wₓₙ + bₙ + (r ⊙ hₜ₋₁)·Wₕₙ)
 *   hₜ = (1 − z) ⊙ c + z ⊙ hₜ₋₁
 */
import * as tf from '@tensorflow/tfjs';
import type { GruSpec } from './model.ts';

export interface GruWeights {
  /** [stepSize, 3h]: [z | r | n] columns. */
  inputKernel: tf.Tensor2D;
  /** [h, 3h]: [z | r | n] columns. */
  recurrentKernel: tf.Tensor2D;
  /** [3h] */
  bias: tf.Tensor1D;
  /** [h + contextSize, outputSize] */
  headKernel: tf.Tensor2D;
  /** [outputSize] */
  headBias: tf.Tensor1D;
}

/**
 * The weights cut per gate (z, r, n), each small. The wasm backend's slice, split and concat are JavaScript
 * loops that first copy their whole input out of the wasm heap, so cutting the [n, 3h] activations of every
 * step costs far more than the products; cutting the weights once per call costs nothing.
 */
interface GateWeights {
  /**
   * Per gate, per step: [inputWidth, h], the gate's input kernel at the rows of step t, zeros elsewhere. The
   * candidate's (and its bias, and `candidateRecurrent`) are doubled: tanh(a) is computed as 2σ(2a) − 1, since
   * the wasm backend's tanh is several times slower than its sigmoid.
   */
  stepKernels: [tf.Tensor2D[], tf.Tensor2D[], tf.Tensor2D[]];
  bias: [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  /** [h, h] per gate, as they are (the backward pass reads them). */
  recurrent: [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  /** 2·Wₕₙ */
  candidateRecurrent: tf.Tensor2D;
}

function gateWeights(spec: GruSpec, w: GruWeights): GateWeights {
  const { steps, stepSize: s } = spec;
  const width = steps * s + spec.contextSize;
  const [kz, kr, kn] = tf.split(w.inputKernel, 3, 1) as tf.Tensor2D[];
  const perStep = (k: tf.Tensor2D) => Array.from({ length: steps }, (_, t) => tf.pad(k, [[t * s, width - (t + 1) * s], [0, 0]]));
  const [bz, br, bn] = tf.split(w.bias, 3) as tf.Tensor1D[];
  const recurrent = tf.split(w.recurrentKernel, 3, 1) as GateWeights['recurrent'];
  return {
    stepKernels: [perStep(kz!), perStep(kr!), perStep(tf.mul(kn!, 2))],
    bias: [bz!, br!, tf.mul(bn!, 2)],
    recurrent,
    candidateRecurrent: tf.mul(recurrent[2], 2),
  };
}

/** What the backward pass reads, per step (oldest first), each [n, h]; step 0's state is zero. */
interface Saved {
  gates: GateWeights;
  prev: tf.Tensor2D[];
  z: tf.Tensor2D[];
  r: tf.Tensor2D[];
  cand: tf.Tensor2D[];
  /** hₜ₋₁ − c */
  prevMinusCand: tf.Tensor2D[];
  resetPrev: tf.Tensor2D[];
  /** [n, h]: the final state. */
  last: tf.Tensor2D;
  /** [h, outputSize]: the head's rows for the state. */
  headState: tf.Tensor2D;
}

/** The head kernel's state rows, and its context rows placed at the context's columns of an input row. */
function headKernels(spec: GruSpec, headKernel: tf.Tensor2D): { state: tf.Tensor2D; context?: tf.Tensor2D } {
  const { steps, stepSize, hidden: h, contextSize, outputSize: o } = spec;
  const state = tf.slice(headKernel, [0, 0], [h, o]);
  if (contextSize === 0) return { state };
  return { state, context: tf.pad(tf.slice(headKernel, [h, 0], [contextSize, o]), [[steps * stepSize, 0], [0, 0]]) };
}

/** The forward pass; with `save`, also what the backward pass needs. Call inside a tidy. */
export function gruForward(spec: GruSpec, w: GruWeights, x: tf.Tensor2D, save: true): { out: tf.Tensor2D; saved: Saved };
export function gruForward(spec: GruSpec, w: GruWeights, x: tf.Tensor2D, save?: false): { out: tf.Tensor2D };
export function gruForward(spec: GruSpec, w: GruWeights, x: tf.Tensor2D, save = false): { out: tf.Tensor2D; saved?: Saved } {
  const { steps, hidden: h } = spec;
  const n = x.shape[0];
  const gates = gateWeights(spec, w);
  const [kz, kr, kn] = gates.stepKernels;
  const [bz, br, bn] = gates.bias;
  const [whz, whr] = gates.recurrent;
  const whn2 = gates.candidateRecurrent;
  // tanh(a) = 2σ(2a) − 1, from σ(2a) (2a comes from the doubled candidate weights).
  const tanhFrom = (sigmoidOfTwiceA: tf.Tensor2D) => tf.sub(tf.mul(sigmoidOfTwiceA, 2), 1) as tf.Tensor2D;
  const kept = { prev: [] as tf.Tensor2D[], z: [] as tf.Tensor2D[], r: [] as tf.Tensor2D[], cand: [] as tf.Tensor2D[], prevMinusCand: [] as tf.Tensor2D[], resetPrev: [] as tf.Tensor2D[] };
  let state: tf.Tensor2D = tf.zeros([n, h]);
  for (let t = 0; t < steps; t++) {
    // xₜ·Wₓ + b as x·Kₜ + b: the step's columns of x are picked by the zero rows of Kₜ, not by a slice.
    const gx = (k: tf.Tensor2D[], b: tf.Tensor1D, activation?: 'sigmoid') => tf.fused.matMul({ a: x, b: k[t]!, bias: b, activation }) as tf.Tensor2D;
    let z: tf.Tensor2D;
    let r: tf.Tensor2D;
    let cand: tf.Tensor2D;
    let resetPrev: tf.Tensor2D;
    if (t === 0) {
      // The state starts at zero: no recurrent products.
      z = gx(kz, bz, 'sigmoid');
      r = gx(kr, br, 'sigmoid');
      resetPrev = state;
      cand = tanhFrom(gx(kn, bn, 'sigmoid'));
    } else {
      z = tf.sigmoid(tf.add(gx(kz, bz), tf.matMul(state, whz)));
      r = tf.sigmoid(tf.add(gx(kr, br), tf.matMul(state, whr)));
      resetPrev = tf.mul(r, state);
      cand = tanhFrom(tf.sigmoid(tf.add(gx(kn, bn), tf.matMul(resetPrev, whn2))));
    }
    // (1 − z) ⊙ c + z ⊙ h  =  c + z ⊙ (h − c): one product fewer, and h − c is what ∂z needs.
    const prevMinusCand = (t === 0 ? tf.neg(cand) : tf.sub(state, cand)) as tf.Tensor2D;
    const next = tf.add(cand, tf.mul(z, prevMinusCand)) as tf.Tensor2D;
    if (save) {
      kept.prev.push(state);
      kept.z.push(z);
      kept.r.push(r);
      kept.cand.push(cand);
      kept.prevMinusCand.push(prevMinusCand);
      kept.resetPrev.push(resetPrev);
    }
    state = next;
  }
  // The head reads [hₜ, context]: hₜ·Wₒ[:h] + x·Wₒ[h:] (the context rows padded to x's width), no slice of x.
  const { state: headState, context: headContext } = headKernels(spec, w.headKernel);
  const fromState = tf.matMul(state, headState);
  const out = (headContext ? tf.add(tf.fused.matMul({ a: x, b: headContext, bias: w.headBias }), fromState) : tf.add(fromState, w.headBias)) as tf.Tensor2D;
  if (!save) return { out };
  return { out, saved: { gates, ...kept, last: state, headState } };
}

export interface GruGradients {
  loss: tf.Scalar;
  inputKernel: tf.Tensor2D;
  recurrentKernel: tf.Tensor2D;
  bias: tf.Tensor1D;
  headKernel: tf.Tensor2D;
  headBias: tf.Tensor1D;
}

/**
 * Every step's history as one step-major matrix with a row of ones below, [stepSize + 1, steps·n], from the
 * transposed input `xT` ([inputWidth, n]; its first steps·stepSize rows, contiguous, are the history).
 */
function augmentedStepInputs(spec: GruSpec, xT: tf.Tensor2D): tf.Tensor2D {
  const { steps, stepSize: s } = spec;
  const n = xT.shape[1];
  // [steps·s, n] → [steps, s, n] → [s, steps, n] → [s, steps·n]: column t·n + i is window i at step t.
  const rows = tf.slice(xT, [0, 0], [steps * s, n]);
  const history = (s === 1 ? tf.reshape(rows, [1, steps * n]) : tf.reshape(tf.transpose(tf.reshape(rows, [steps, s, n]), [1, 0, 2]), [s, steps * n])) as tf.Tensor2D;
  return tf.concat([history, tf.ones([1, steps * n]) as tf.Tensor2D], 0);
}

/** The mean squared error over every output and its gradients with respect to each weight. Call inside a tidy. */
export function gruLossAndGrads(spec: GruSpec, w: GruWeights, x: tf.Tensor2D, y: tf.Tensor2D): GruGradients {
  const { steps, stepSize: s, hidden: h } = spec;
  const n = x.shape[0];
  const { out, saved } = gruForward(spec, w, x, true);
  const diff = tf.sub(out, y);
  const loss = tf.mean(tf.square(diff)) as tf.Scalar;
  const dOut = tf.mul(diff, 2 / diff.size) as tf.Tensor2D;
  // x transposed once, with a row of ones: the step inputs' and the head's context and bias gradients read it.
  const xT = tf.transpose(x);
  const xAug = tf.concat([xT, tf.ones([1, n]) as tf.Tensor2D], 0);
  const headFromInput = tf.matMul(xAug, dOut);
  const headFromState = tf.matMul(tf.transpose(saved.last), dOut);
  const { contextSize } = spec;
  const headKernel = (contextSize > 0 ? tf.concat([headFromState, tf.slice(headFromInput, [steps * s, 0], [contextSize, dOut.shape[1]])], 0) : headFromState) as tf.Tensor2D;
  const headBias = tf.reshape(tf.slice(headFromInput, [xAug.shape[0] - 1, 0], [1, dOut.shape[1]]), [-1]) as tf.Tensor1D;
  let dState: tf.Tensor2D = tf.matMul(dOut, tf.transpose(saved.headState));
  const [whzT, whrT, whnT] = saved.gates.recurrent.map((k) => tf.transpose(k));
  const dz: tf.Tensor2D[] = new Array(steps);
  const dr: tf.Tensor2D[] = new Array(steps);
  const dn: tf.Tensor2D[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    const z = saved.z[t]!;
    const r = saved.r[t]!;
    const cand = saved.cand[t]!;
    // Through hₜ = c + z ⊙ (hₜ₋₁ − c), then c = tanh(aₙ) and z = σ(a_z).
    const oneMinusZ = tf.sub(1, z);
    dn[t] = tf.mul(tf.mul(dState, oneMinusZ), tf.sub(1, tf.square(cand)));
    dz[t] = tf.mul(tf.mul(dState, saved.prevMinusCand[t]!), tf.mul(z, oneMinusZ));
    if (t === 0) break;
    // Through aₙ = … + (r ⊙ hₜ₋₁)·Wₕₙ and r = σ(a_r); at step 0 the state is zero and r has no effect.
    const prev = saved.prev[t]!;
    const dResetPrev = tf.matMul(dn[t]!, whnT!);
    dr[t] = tf.mul(tf.mul(dResetPrev, prev), tf.mul(r, tf.sub(1, r)));
    dState = tf.addN<tf.Tensor2D>([tf.mul(dState, z), tf.mul(dResetPrev, r), tf.matMul(dz[t]!, whzT!), tf.matMul(dr[t]!, whrT!)]);
  }
  const inputs = augmentedStepInputs(spec, xT);
  if (steps === 1) {
    // One step from a zero state: no recurrent gradient, and r has no effect.
    const [inputKernel, bias] = tf.split(tf.concat([tf.matMul(inputs, dz[0]!), tf.zeros([s + 1, h]) as tf.Tensor2D, tf.matMul(inputs, dn[0]!)], 1), [s, 1], 0) as [tf.Tensor2D, tf.Tensor2D];
    return { loss, inputKernel, recurrentKernel: tf.zerosLike(w.recurrentKernel), bias: tf.reshape(bias, [-1]), headKernel, headBias };
  }
  // Weight gradients over steps 1… at once (step 0 adds nothing to the recurrent ones), as plain products
  // on explicitly transposed, step-major stacks.
  const later = (xs: tf.Tensor2D[]) => tf.concat(xs.slice(1), 0);
  const dzLater = later(dz);
  const drLater = later(dr);
  const dnLater = later(dn);
  const prevT = tf.transpose(later(saved.prev));
  const recurrentKernel = tf.concat([tf.matMul(prevT, dzLater), tf.matMul(prevT, drLater), tf.matMul(tf.transpose(later(saved.resetPrev)), dnLater)], 1) as tf.Tensor2D;
  // Input kernel and bias: [xᵀ; 1] of step 0 and of steps 1… against the gates' gradients.
  const inputs0 = tf.slice(inputs, [0, 0], [s + 1, n]);
  const inputsLater = tf.slice(inputs, [0, n], [s + 1, (steps - 1) * n]);
  const gz = tf.add(tf.matMul(inputs0, dz[0]!), tf.matMul(inputsLater, dzLater));
  const gr = tf.matMul(inputsLater, drLater);
  const gn = tf.add(tf.matMul(inputs0, dn[0]!), tf.matMul(inputsLater, dnLater));
  const [inputKernel, bias] = tf.split(tf.concat([gz, gr, gn], 1), [s, 1], 0) as [tf.Tensor2D, tf.Tensor2D];
  return { loss, inputKernel, recurrentKernel, bias: tf.reshape(bias, [-1]), headKernel, headBias };
}
