/**
 * Options of {@link trainModel}, validated once at the edge. Serializable settings are checked by zod with their
 * documented defaults; functions and live objects (data source, callbacks, storage, exchange) are typed only.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ObjectStorage } from '../../cluster/storage/index.ts';
import { formatZodIssues } from '../../cluster/common/index.ts';
import type { BackendName } from './backend.ts';
import type { GradientExchange } from './gradient-exchange.ts';
import { TrainingOptionsError } from './errors.ts';
import type { Normalizer } from './input/normalizer.ts';
import { modelSpecSchema } from './models/model.ts';
import type { SampleChunk } from './input/sample-columns.ts';
import type { NeighbourMap } from './input/sequence-windows.ts';

export const timeRangeSchema = z
  .object({
    /** Inclusive start, ms since the epoch. */
    from: z.number().finite().optional(),
    /** Exclusive end, ms since the epoch. */
    to: z.number().finite().optional(),
  })
  .refine((r) => r.from === undefined || r.to === undefined || r.from < r.to, 'from must be before to');

export const trainSettingsSchema = z.object({
  /** Architecture. @default { kind: 'mlp', inputSize: 16, hidden: [64, 64], outputSize: 1 } */
  model: modelSpecSchema.default({ kind: 'mlp', history: 0, inputSize: 16, hidden: [64, 64], outputSize: 1 }),
  /** What to predict. @default 'speed' */
  target: z.enum(['speed', 'congestion']).default('speed'),
  /** Minutes ahead of each sequence-model output (multiples of 5). @default [15, 30, 60] */
  horizonsMin: z.array(z.number().int().positive().multipleOf(5)).min(1).default([15, 30, 60]),
  /** Rows used for training (by timestamp). @default all rows */
  trainRange: timeRangeSchema.optional(),
  /** Held-out rows evaluated after each epoch (reported as validLoss/validMae/validRmse). @default none */
  validRange: timeRangeSchema.optional(),
  /** Passes over the training data. @default 1 */
  epochs: z.number().int().positive().default(1),
  /** Stop after this many optimiser steps in total, wherever that falls in an epoch. @default no limit */
  maxSteps: z.number().int().positive().optional(),
  /** Rows per step (per trainer, when data-parallel). @default 4096 */
  batchSize: z.number().int().positive().max(1 << 20).default(4096),
  /** Adam step size. @default 0.001 */
  learningRate: z.number().positive().max(10).default(1e-3),
  /** Seeds weight initialisation and shuffling; same seed and data give the same model. @default 1 */
  seed: z.number().int().nonnegative().default(1),
  /** Rows held for shuffling the time-ordered stream. @default 65536 */
  shuffleBufferRows: z.number().int().nonnegative().default(65_536),
  /** Training rows read to fit feature normalisation before training. @default 1000000 */
  normalizerRows: z.number().int().positive().default(1_000_000),
  /**
   * Bytes the trainer may hold in data buffers (shuffle buffer and batches; Arrow batches in flight belong
   * to the reader). The shuffle buffer is shrunk to fit. @default 268435456 (256 MiB)
   */
  memoryBudgetBytes: z.number().int().positive().default(256 * 1024 * 1024),
  /**
   * Data-parallel ranks average gradients in buckets of at most this many bytes (DDP's bucket_cap_mb): a
   * bucket travels while the next is read from the backend. @default 26214400 (25 MiB)
   */
  bucketBytes: z.number().int().positive().default(25 * 1024 * 1024),
  /** Rows per forward pass when evaluating. @default 16384 */
  evalBatchSize: z.number().int().positive().default(16_384),
  /** Minimum interval between progress callbacks. @default 1000 */
  progressEveryMs: z.number().int().nonnegative().default(1000),
  checkpoint: z
    .object({
      storage: z.custom<ObjectStorage>((v) => typeof (v as ObjectStorage)?.put === 'function', 'an ObjectStorage'),
      /** Key prefix of this run's checkpoints, e.g. `checkpoints/trial-3`. */
      prefix: z.string().regex(/^[^/].*[^/]$|^[^/]$/, 'no leading or trailing slash'),
      /** Save every K optimiser steps (and at each epoch end). @default 500 */
      everySteps: z.number().int().positive().default(500),
      /** Complete checkpoints kept. @default 2 */
      keep: z.number().int().positive().default(2),
      /** Continue from the newest checkpoint under the prefix when there is one. @default true */
      resume: z.boolean().default(true),
    })
    .optional(),
  /** Backends to try, in order. @default ['webgpu', 'tensorflow', 'wasm', 'cpu'] */
  backends: z.array(z.enum(['webgpu', 'tensorflow', 'wasm', 'cpu'])).min(1).optional(),
});

export type TrainSettings = z.infer<typeof trainSettingsSchema>;
export type TrainSettingsInput = z.input<typeof trainSettingsSchema>;

export interface EpochReport {
  epoch: number;
  step: number;
  rowsSeen: number;
  trainLoss: number;
  validLoss?: number;
  validMae?: number;
  validRmse?: number;
  validRows?: number;
}

export interface TrainingProgress {
  phase: 'normalize' | 'train' | 'validate';
  epoch: number;
  epochs: number;
  step: number;
  /** Rows consumed in this phase (this epoch, for `train`). */
  rows: number;
  rowsPerSecond: number;
  /** Known once the epoch length is known (after the first epoch or a full normalisation pass). */
  etaSeconds?: number;
}

export interface TrainHooks {
  /** Fresh stream of sample batches in the canonical schema; called once per pass (normalise, epoch, validate). */
  data: () => AsyncIterable<SampleChunk>;
  /** Stream for the validation passes (a data-parallel rank trains on its slice but validates on all). @default data */
  validData?: () => AsyncIterable<SampleChunk>;
  /** After each epoch. Return `'stop'` to end training early (ASHA, a user's Ctrl-C). */
  onReport?: (report: EpochReport) => void | 'stop' | Promise<void | 'stop'>;
  onProgress?: (progress: TrainingProgress) => void;
  /** Gradient averaging with other data-parallel trainers. @default a single trainer */
  exchange?: GradientExchange;
  /** A normaliser fitted elsewhere (e.g. by a driver for all ranks); skips the fitting pass. */
  normalizer?: Normalizer;
  /** The sensor graph a graph model (gru with stepSize 2) reads neighbours through. */
  graph?: NeighbourMap;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export type TrainOptions = TrainSettingsInput & TrainHooks;

export function parseTrainSettings(options: TrainSettingsInput): TrainSettings {
  const parsed = trainSettingsSchema.safeParse(options);
  if (!parsed.success) throw new TrainingOptionsError('trainModel', formatZodIssues(parsed.error.issues, { root: '(root)' }));
  return parsed.data;
}

export type { BackendName };
