/**
 * Model construction from a spec, and moving parameters in and out of a model as plain arrays (for
 * checkpoints, the registry and gradient exchange).
 */
import * as tf from '@tensorflow/tfjs';
import { formatZodIssues } from '../../../cluster/common/index.ts';
import { TrainingOptionsError } from '../errors.ts';
import { GruModel } from './gru.ts';
import { MlpModel } from './mlp.ts';
import { LinearModel } from './linear.ts';
import { modelSpecSchema, type Model, type ModelSpec, type ModelSpecInput } from './model.ts';
import type { NamedArrays } from '../artifacts/tensor-file.ts';

export { MlpModel } from './mlp.ts';
export { GruModel } from './gru.ts';
export { LinearModel } from './linear.ts';
export { mlpSpecSchema, gruSpecSchema, linearSpecSchema, modelSpecSchema, inputWidth, describeSpec } from './model.ts';
export type { MlpSpec, GruSpec, LinearSpec, ModelSpec, ModelSpecInput, LossAndGrads, Model } from './model.ts';

/** Validates a spec given by a user or read from a file, filling documented defaults. */
export function parseModelSpec(input: ModelSpecInput | unknown): ModelSpec {
  const parsed = modelSpecSchema.safeParse(input);
  if (!parsed.success) throw new TrainingOptionsError('ModelSpec', formatZodIssues(parsed.error.issues, { root: '(root)' }));
  return parsed.data;
}

/** Builds a freshly initialised model; the same spec and seed give the same initial weights. */
export function createModel(spec: ModelSpec, seed = 1): Model {
  if (spec.kind === 'linear') return new LinearModel(spec);
  return spec.kind === 'mlp' ? new MlpModel(spec, seed) : new GruModel(spec, seed);
}

/** Copies every parameter out of the backend (one read per parameter). */
export async function readParams(model: Model): Promise<NamedArrays> {
  const out: NamedArrays = new Map();
  for (const [name, v] of model.params) {
    out.set(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
  }
  return out;
}

/** Overwrites the model's parameters; names and shapes must match exactly. */
export function writeParams(model: Model, arrays: NamedArrays, location: string): void {
  for (const [name, v] of model.params) {
    const a = arrays.get(name);
    if (!a) throw new TrainingOptionsError('weights', [`${location}: parameter "${name}" is missing`]);
    if (a.shape.join('x') !== v.shape.join('x')) {
      throw new TrainingOptionsError('weights', [
        `${location}: parameter "${name}" has shape [${a.shape}], the model expects [${v.shape}]`,
      ]);
    }
  }
  for (const [name, v] of model.params) {
    const a = arrays.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(a.data, a.shape, 'float32')));
  }
}
