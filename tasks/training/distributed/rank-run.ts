/**
 * What the driver sends each data-parallel rank: plain data (it crosses a process boundary), validated on
 * both sides. Storage travels as URLs, since a storage object does not.
 */
import { z } from 'zod';
import type { TrainSettingsInput } from '../options.ts';
import type { ScanFilter } from '../../lake/index.ts';
import type { NormalizerJSON } from '../input/normalizer.ts';

export interface RankRun {
  /** The lake's URL (folder or s3://bucket/prefix). */
  lake: string;
  filter?: ScanFilter;
  /** trainModel settings, without the checkpoint (given below as a URL). */
  settings: Omit<TrainSettingsInput, 'checkpoint'>;
  /** Fitted by the driver for all ranks; else each rank fits on its slice and the ranks average. */
  normalizer?: NormalizerJSON;
  checkpoint: { url: string; prefix: string; everySteps: number; keep: number };
  rank: number;
  worldSize: number;
  /** Where rank 0 writes its progress (`progress.json` under the checkpoint URL) at most this often. */
  progressEveryMs: number;
}

/** The progress rank 0 publishes for the driver to show. */
export const rankProgressSchema = z.object({
  phase: z.enum(['normalize', 'train', 'validate']),
  epoch: z.number(),
  epochs: z.number(),
  step: z.number(),
  rows: z.number(),
  rowsPerSecond: z.number(),
  etaSeconds: z.number().optional(),
  worldSize: z.number(),
  at: z.number(),
});
export type RankProgress = z.infer<typeof rankProgressSchema>;

export const PROGRESS_KEY = 'progress.json';
