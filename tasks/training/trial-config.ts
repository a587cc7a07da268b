/**
 * The traffic trainable's trial config as a schema: which keys a search space may set and what each takes.
 * Kept apart from trainable.ts (which loads the lake and TensorFlow.js) so the CLI can check a `--space`
 * before anything starts, and so a misspelled key is named instead of being silently ignored.
 */
import { z } from 'zod';

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
  /** MLP hidden layer widths. @default [64, 64] */
  hidden: z.array(z.number().int().positive()).min(1).optional(),
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
export const TRAFFIC_METRICS = ['validMae', 'validRmse', 'trainLoss', 'epoch', 'steps', 'rows'] as const;

/** Why one value of `key` cannot be used, or undefined when it can. */
export function trialValueProblem(key: keyof TrafficTrialConfig, value: unknown): string | undefined {
  const r = trafficTrialConfigSchema.shape[key].safeParse(value);
  return r.success ? undefined : (r.error.issues[0]?.message ?? 'invalid');
}
