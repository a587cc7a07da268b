/**
 * The traffic trainable's trial config as a schema: which keys a search space may set and what each takes.
 * Kept apart from trainable.ts (which loads the lake and TensorFlow.js) so the CLI can check a `--space`
 * before anything starts, and so a misspelled key is named instead of being silently ignored.
 */
import { z } from 'zod';
import type { ModelSpecInput } from './models/model.ts';
import { MLP_FEATURE_COUNT as MLP_CONTEXT_FEATURES } from './input/features.ts';

export const trafficTrialConfigSchema = z.strictObject({
  /** Lake location (a folder the workers can read, or s3://…). */
  lake: z.string().min(1),
  /** Training data starts here, ms since the epoch. @default the lake's first sample */
  trainFrom: z.number().finite().optional(),
  /** Training data ends here (exclusive), ms since the epoch. */
  trainTo: z.number().finite(),
  /** Validation data starts here, ms since the epoch. */
  validFrom: z.number().finite(),
  /** Validation data ends here (exclusive), ms since the epoch. */
  validTo: z.number().finite().optional(),
  /** Only these cities. @default all */
  cities: z.array(z.string().min(1)).min(1).optional(),
  /** What the model predicts. @default 'speed' */
  target: z.enum(['speed', 'congestion']).optional(),
  /**
   * Which model: an MLP; a GRU over the history window; the graph model, a GRU that also reads the
   * neighbours' readings through the sensor graph stored beside the lake (`convoy import-graph`); or a linear
   * model on the same inputs, solved in closed form in one step (ridge). @default 'mlp'
   */
  model: z.enum(['mlp', 'gru', 'graph', 'linear']).optional(),
  /**
   * Five-minute readings of history each forecast sees; 0 (the MLP's default) predicts a sample from its
   * context alone. @default 0 for the MLP, 12 (an hour) for the GRU and the graph model
   */
  history: z.number().int().nonnegative().max(288).optional(),
  /** Minutes ahead to forecast, one output each (multiples of 5), for a model with history. @default [15, 30, 60] */
  horizons: z.array(z.number().int().positive().multipleOf(5)).min(1).max(48).optional(),
  /** Hidden widths: the MLP's layers, or the GRU's state (the first value). @default [64, 64] (MLP), [32] (GRU) */
  hidden: z.array(z.number().int().positive()).min(1).optional(),
  /** Early stopping: the trial ends after this many epochs without a better validMae. @default none */
  patience: z.number().int().positive().optional(),
  /** @default 0.001 */
  learningRate: z.number().positive().max(10).optional(),
  /** @default 4096 */
  batchSize: z.number().int().positive().optional(),
  /** @default 1 */
  seed: z.number().int().optional(),
});

export type TrafficTrialConfig = z.infer<typeof trafficTrialConfigSchema>;

/** The keys a search space may set (the data location and ranges come from the command's own flags). */
export const TRAFFIC_SPACE_KEYS = Object.keys(trafficTrialConfigSchema.shape) as (keyof TrafficTrialConfig)[];

/** What the trainable's `step()` reports, i.e. what `--metric` may name. */
export const TRAFFIC_METRICS = ['bestValidMae', 'validMae', 'validRmse', 'bestEpoch', 'trainLoss', 'epoch', 'steps', 'rows'] as const;

/** Why one value of `key` cannot be used, or undefined when it can. */
export function trialValueProblem(key: keyof TrafficTrialConfig, value: unknown): string | undefined {
  const r = trafficTrialConfigSchema.shape[key].safeParse(value);
  return r.success ? undefined : (r.error.issues[0]?.message ?? 'invalid');
}

/** The model a trial trains, from its config: the spec, and the horizons its outputs forecast. */
export interface TrialModel {
  spec: ModelSpecInput;
  horizonsMin: number[];
}

/**
 * Builds the model of a trial config; throws a TypeError naming the keys that do not go together (a GRU
 * needs history; horizons need history).
 */
export function trialModel(c: Pick<TrafficTrialConfig, 'model' | 'history' | 'horizons' | 'hidden'>): TrialModel {
  const kind = c.model ?? 'mlp';
  const history = c.history ?? (kind === 'mlp' ? 0 : 12);
  if ((kind === 'gru' || kind === 'graph') && history === 0) throw new TypeError(`model "${kind}" needs history ≥ 1 (five-minute readings it reads before forecasting)`);
  if (history === 0) {
    if (c.horizons) throw new TypeError(`horizons need history ≥ 1: ${kind === 'linear' ? 'a linear model' : 'an MLP'} without history predicts the present sample, not a horizon`);
    if (kind === 'linear') return { spec: { kind: 'linear', history: 0, inputSize: MLP_CONTEXT_FEATURES, outputSize: 1 }, horizonsMin: [0] };
    return { spec: { kind: 'mlp', history: 0, inputSize: MLP_CONTEXT_FEATURES, hidden: c.hidden ?? [64, 64], outputSize: 1 }, horizonsMin: [0] };
  }
  const horizonsMin = [...(c.horizons ?? [15, 30, 60])];
  if (kind === 'linear') return { spec: { kind: 'linear', history, inputSize: history + MLP_CONTEXT_FEATURES, outputSize: horizonsMin.length }, horizonsMin };
  if (kind === 'gru' || kind === 'graph') {
    // The graph model: each step carries the sensor's reading and its neighbours' mean (feature-pipeline.ts).
    return { spec: { kind: 'gru', steps: history, stepSize: kind === 'graph' ? 2 : 1, contextSize: MLP_CONTEXT_FEATURES, hidden: c.hidden?.[0] ?? 32, outputSize: horizonsMin.length }, horizonsMin };
  }
  return { spec: { kind: 'mlp', history, inputSize: history + MLP_CONTEXT_FEATURES, hidden: c.hidden ?? [64, 64], outputSize: horizonsMin.length }, horizonsMin };
}
