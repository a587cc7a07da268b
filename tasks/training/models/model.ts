/**
 * The one model interface the trainer, the data-parallel helpers, the registry and the predictor share.
 *
 * A model owns named tfjs variables in a fixed order (the order is the wire and file layout of its weights)
 * and answers two questions: its prediction for a batch, and its loss with the gradient of every parameter.
 * Keeping gradients explicit, rather than hiding them inside `optimizer.minimize`, is what lets data-parallel
 * trainers average them before the update, and lets the MLP use a hand-derived backward pass (see mlp.ts).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { z } from 'zod';

export const mlpSpecSchema = z.object({
  kind: z.literal('mlp'),
  /**
   * Past readings it sees (five-minute steps), before the 16 context features; 0: none, the MLP reads one
   * sample's context and predicts that sample. With history it forecasts one output per horizon. @default 0
   */
  history: z.number().int().nonnegative().max(288).default(0),
  /** Features per sample: `history + 16`. @default 16 */
  inputSize: z.number().int().positive().default(16),
  /** Hidden layer widths, ReLU after each. @default [64, 64] */
  hidden: z.array(z.number().int().positive()).min(1).default([64, 64]),
  /** Outputs per sample. @default 1 */
  outputSize: z.number().int().positive().default(1),
});

export const gruSpecSchema = z.object({
  kind: z.literal('gru'),
  /** Past readings per example (five-minute steps). @default 12 */
  steps: z.number().int().positive().default(12),
  /** Values per step. @default 1 */
  stepSize: z.number().int().positive().default(1),
  /** Features of the prediction moment appended after the history (time of day, road class, …). @default 16 */
  contextSize: z.number().int().nonnegative().default(16),
  /** GRU state width. @default 32 */
  hidden: z.number().int().positive().default(32),
  /** Outputs per example, one per horizon. @default 3 */
  outputSize: z.number().int().positive().default(3),
});

export const linearSpecSchema = z.object({
  kind: z.literal('linear'),
  /** Past readings it sees before the 16 context features; 0: the context alone. @default 12 */
  history: z.number().int().nonnegative().max(288).default(12),
  /** `history + 16`. @default 28 */
  inputSize: z.number().int().positive().default(28),
  /** One per horizon. @default 3 */
  outputSize: z.number().int().positive().default(3),
});

export const modelSpecSchema = z.discriminatedUnion('kind', [mlpSpecSchema, gruSpecSchema, linearSpecSchema]);
export type MlpSpec = z.infer<typeof mlpSpecSchema>;
export type GruSpec = z.infer<typeof gruSpecSchema>;
export type LinearSpec = z.infer<typeof linearSpecSchema>;
export type ModelSpec = z.infer<typeof modelSpecSchema>;
export type ModelSpecInput = z.input<typeof modelSpecSchema>;

/** Width of the flat input row a model takes. */
export function inputWidth(spec: ModelSpec): number {
  return spec.kind === 'gru' ? spec.steps * spec.stepSize + spec.contextSize : spec.inputSize;
}

/** A short description used to refuse a checkpoint or version written for another architecture. */
export function describeSpec(spec: ModelSpec): string {
  if (spec.kind === 'linear') return `linear history=${spec.history} ${spec.inputSize}-${spec.outputSize}`;
  return spec.kind === 'mlp'
    ? `mlp ${spec.history ? `history=${spec.history} ` : ''}${spec.inputSize}-${spec.hidden.join('-')}-${spec.outputSize}`
    : `gru steps=${spec.steps}×${spec.stepSize} context=${spec.contextSize} hidden=${spec.hidden} out=${spec.outputSize}`;
}

export interface LossAndGrads {
  /** Mean squared error over the batch, on normalised targets. */
  loss: tfTypes.Scalar;
  /** Gradient per parameter name, same shapes as the parameters. */
  grads: Map<string, tfTypes.Tensor>;
}

export interface Model {
  readonly spec: ModelSpec;
  /** Parameters by stable logical name (`dense0/kernel`), in the layout order of saved weights. */
  readonly params: ReadonlyMap<string, tfTypes.Variable>;
  /** `x` is `[n, inputWidth]`; the result is `[n, outputSize]` on the normalised target scale. */
  predict(x: tfTypes.Tensor2D): tfTypes.Tensor2D;
  /** Loss and gradients for one batch; `y` is `[n, outputSize]`. Caller disposes the returned tensors. */
  lossAndGrads(x: tfTypes.Tensor2D, y: tfTypes.Tensor2D): LossAndGrads;
  dispose(): void;
}
