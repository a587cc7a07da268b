/**
 * Data-parallel training across processes, GPUs and nodes, as Ray Train's `DataParallelTrainer` (or
 * `TorchTrainer` with DDP): `numWorkers` ranks, each an actor in its own process holding
 * `resourcesPerWorker` (`{ gpu: 1 }`: one process per GPU), gang-placed as a placement group; each step every
 * rank computes gradients on its own batch, the ranks average them with a ring allreduce (in buckets), and
 * all apply the same update, so the replicas stay bit-identical.
 *
 * Faults (Ray Train's FailureConfig): a dead rank, or the node under it, fails the step on every rank (the
 * collective notices within its timeout); the trainer tears the group down, places a new one and resumes from
 * the newest checkpoint that rank 0 wrote to the lake's storage, up to `maxFailures` times. Elastic runs
 * (`numWorkers: [min, max]`) start with as many ranks as fit now (at least min), continue with fewer when a
 * node is lost, and grow back when resources return (restarting from the newest checkpoint: the world size of
 * a running group is fixed, as it is for DDP).
 *
 * @example
 * ```ts
 * import { connect } from 'convoy';
 * import { DataParallelTrainer } from 'convoy/tasks/training';
 *
 * await using cluster = await connect();
 * const trainer = new DataParallelTrainer(cluster, {
 *   numWorkers: 4,
 *   resourcesPerWorker: { gpu: 1 },
 *   lake: 's3://traffic/lake',
 *   train: { model: { kind: 'mlp', hidden: [128, 128] }, epochs: 3, batchSize: 4096 },
 *   maxFailures: 2,
 * });
 * const result = await trainer.fit();
 * console.log(result.steps, result.history.at(-1)?.validMae);
 * ```
 */
import { z } from 'zod';
import { CollectiveError, type ActorHandle, type Cluster, type PlacementGroup } from '../../../cluster/client/index.ts';
import { formatZodIssues } from '../../../cluster/common/index.ts';
import { openStorage } from '../../../cluster/storage/index.ts';
import type { ScanFilter } from '../../lake/index.ts';
import type { ModelArtifacts } from '../artifacts/model-artifacts.ts';
import { TrainingFailedError, TrainingOptionsError } from '../errors.ts';
import type { NormalizerJSON } from '../input/normalizer.ts';
import { parseTrainSettings, type EpochReport, type TrainSettingsInput } from '../options.ts';
import { PROGRESS_KEY, rankProgressSchema, type RankProgress, type RankRun } from './rank-run.ts';
import { TRAIN_RANK, type RankPlace, type RankResult, type TrainRank } from './train-rank.ts';

const amount = z.number().finite().nonnegative();

export const dataParallelOptionsSchema = z.strictObject({
  /** Ranks: a number, or `[min, max]` for an elastic run. */
  numWorkers: z.union([
    z.int().positive(),
    z.tuple([z.int().positive(), z.int().positive()]).refine(([min, max]) => min <= max, 'numWorkers: [min, max] needs min ≤ max'),
  ]),
  /** What each rank holds, e.g. `{ gpu: 1 }` (one process per GPU). @default { cpu: 1 } */
  resourcesPerWorker: z.strictObject({ cpu: amount.optional(), gpu: amount.optional(), memory: amount.optional(), custom: z.record(z.string(), amount).optional() }).default({ cpu: 1 }),
  /** Where the ranks go: `PACK` (few nodes), `SPREAD`, `STRICT_PACK` (one node), `STRICT_SPREAD` (one node each). @default 'PACK' */
  placementStrategy: z.enum(['PACK', 'SPREAD', 'STRICT_PACK', 'STRICT_SPREAD']).default('PACK'),
  /** The lake to train on (folder or s3://bucket/prefix). */
  lake: z.string().min(1),
  /** Which of the lake's rows (cities, dates). @default all */
  filter: z.custom<ScanFilter>((v) => typeof v === 'object' && v !== null).optional(),
  /** A feature normaliser fitted elsewhere, for every rank (e.g. `result.artifacts.normalizer` of an earlier run). @default fitted by the ranks, averaged */
  normalizer: z.custom<NormalizerJSON>((v) => typeof v === 'object' && v !== null).optional(),
  /** trainModel's settings (model, epochs, batchSize per rank, learningRate, ranges, ...), without `checkpoint`. */
  train: z.custom<Omit<TrainSettingsInput, 'checkpoint'>>((v) => typeof v === 'object' && v !== null).default({}),
  checkpoint: z
    .strictObject({
      /** Where checkpoints go. @default `<lake>/_train/<name>` */
      url: z.string().min(1).optional(),
      /** Save every K steps (and at every epoch end). @default 500 */
      everySteps: z.int().positive().default(500),
      /** Checkpoints kept. @default 2 */
      keep: z.int().positive().default(2),
    })
    .default({ everySteps: 500, keep: 2 }),
  /** Restarts after a rank or node dies before the run fails. @default 0 */
  maxFailures: z.int().min(0).default(0),
  /** The run's name: its checkpoints' folder, its actors' and group's names. Reusing a name resumes that run. @default train-<time> */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, . _ - (up to 100)').optional(),
  /** How long a group of numWorkers (or of min, when elastic) may wait to be placed. @default 60000 */
  placementTimeoutMs: z.int().positive().default(60_000),
  /** Elastic: how long a larger group may wait to be placed before a smaller one is tried. @default 2000 */
  elasticProbeMs: z.int().positive().default(2_000),
  /** Elastic: how often a smaller-than-max run looks for room to grow. @default 10000 */
  growCheckEveryMs: z.int().positive().default(10_000),
  /** How often progress is published and shown. @default 1000 */
  progressEveryMs: z.int().positive().default(1_000),
});
export type DataParallelOptions = z.input<typeof dataParallelOptionsSchema>;
type Settings = z.output<typeof dataParallelOptionsSchema>;

export interface DataParallelHooks {
  /** Rank 0's progress, about every `progressEveryMs`. */
  onProgress?: (p: RankProgress) => void;
  /** Each (re)start of the group: its size, its attempt and why it restarted. */
  onAttempt?: (a: AttemptInfo) => void;
}

export interface AttemptInfo {
  attempt: number;
  worldSize: number;
  /** Why the previous group ended ('' for the first). */
  reason: string;
  /** Each rank's node, process and collective endpoint. */
  ranks: RankPlace[];
}

export interface DataParallelResult {
  artifacts: ModelArtifacts;
  steps: number;
  epochsCompleted: number;
  rowsSeen: number;
  history: EpochReport[];
  backend: string;
  /** Ranks of the group that finished. */
  worldSize: number;
  /** Groups placed, the one that finished included. */
  attempts: AttemptInfo[];
  /** Restarts caused by failures (counted against maxFailures). */
  failures: number;
  /** Where the checkpoints are. */
  checkpointUrl: string;
  /** Step the finishing group resumed from, when it continued a checkpoint. */
  resumedFromStep?: number;
}

/** A group to grow into was found: not a failure, the run restarts larger from its checkpoint. */
const GROW_REASON = 'resources for';
class GrowSignal extends Error {
  constructor(readonly to: number) {
    super(`${GROW_REASON} ${to} ranks came back`);
  }
}

export class DataParallelTrainer {
  readonly #cluster: Cluster;
  readonly #s: Settings;
  readonly #hooks: DataParallelHooks;
  readonly name: string;
  readonly checkpointUrl: string;

  constructor(cluster: Cluster, options: DataParallelOptions, hooks: DataParallelHooks = {}) {
    const parsed = dataParallelOptionsSchema.safeParse(options);
    if (!parsed.success) throw new TrainingOptionsError('DataParallelTrainer', formatZodIssues(parsed.error.issues, { root: '(options)' }));
    const s = parsed.data;
    if ('checkpoint' in s.train) throw new TrainingOptionsError('DataParallelTrainer', ['train.checkpoint: give checkpoints as the trainer\'s own `checkpoint` option']);
    parseTrainSettings(s.train); // a wrong setting fails here, not in every rank
    if (s.train.model && typeof s.train.model === 'object' && (s.train.model as { kind?: string }).kind === 'linear') {
      throw new TrainingOptionsError('DataParallelTrainer', ['train.model: a linear model is solved in closed form by one trainer; use trainModel']);
    }
    this.#cluster = cluster;
    this.#s = s;
    this.#hooks = hooks;
    this.name = s.name ?? `train-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
    this.checkpointUrl = s.checkpoint.url ?? `${s.lake.replace(/\/+$/, '')}/_train/${this.name}`;
  }

  get #range(): [number, number] {
    const w = this.#s.numWorkers;
    return typeof w === 'number' ? [w, w] : w;
  }

  /**
   * Trains to the end and returns rank 0's model. `signal` stops the run (its ranks are killed, its group
   * removed, its checkpoints kept: fit again with the same name resumes) and rejects with the signal's reason.
   */
  async fit(options: { signal?: AbortSignal } = {}): Promise<DataParallelResult> {
    const { signal } = options;
    const attempts: AttemptInfo[] = [];
    let failures = 0;
    let reason = '';
    let want = this.#range[1];
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      // After a grow signal the larger group waits longer: the old group's resources are still being released.
      const placed = await this.#place(want, reason.startsWith(GROW_REASON) ? Math.min(this.#s.placementTimeoutMs, 15_000) : this.#s.elasticProbeMs);
      const info: AttemptInfo = { attempt, worldSize: placed.bundles.length, reason, ranks: [] };
      attempts.push(info);
      try {
        const ranks = await this.#run(placed, attempt, signal, (places) => {
          info.ranks = places;
          this.#hooks.onAttempt?.(info);
        });
        const r0 = ranks[0]!;
        const digests = new Set(ranks.map((r) => r.weightsDigest));
        if (digests.size !== 1) throw new Error(`ranks ended with different weights (${digests.size} digests): the allreduce is broken`);
        return {
          artifacts: r0.artifacts!,
          steps: r0.steps,
          epochsCompleted: r0.epochsCompleted,
          rowsSeen: ranks.reduce((sum, r) => sum + r.rowsSeen, 0),
          history: r0.history,
          backend: r0.backend,
          worldSize: ranks.length,
          attempts,
          failures,
          checkpointUrl: this.checkpointUrl,
          ...(r0.resumedFromStep !== undefined ? { resumedFromStep: r0.resumedFromStep } : {}),
        };
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (err instanceof GrowSignal) {
          reason = err.message;
          want = err.to;
          continue;
        }
        failures++;
        reason = (err as Error).message;
        if (failures > this.#s.maxFailures) throw new TrainingFailedError(this.name, failures, this.checkpointUrl, err);
        want = this.#range[1];
      }
    }
  }

  /** A placement group of `want` ranks; elastic runs step down to fewer, never below min. */
  async #place(want: number, probeMs: number): Promise<PlacementGroup> {
    const [min] = this.#range;
    const bundle = this.#s.resourcesPerWorker;
    for (let size = want; ; size--) {
      const last = size <= min;
      const pg = this.#cluster.placementGroup({ bundles: Array.from({ length: size }, () => bundle), strategy: this.#s.placementStrategy, name: this.name });
      try {
        return await pg.ready({ timeoutMs: last ? this.#s.placementTimeoutMs : size === want ? probeMs : this.#s.elasticProbeMs });
      } catch (err) {
        pg.remove();
        if (last) throw err;
      }
    }
  }

  /** One group's life: start the ranks, connect them, train; tears everything down however it ends. */
  async #run(pg: PlacementGroup, attempt: number, signal: AbortSignal | undefined, started: (ranks: RankPlace[]) => void): Promise<RankResult[]> {
    const size = pg.bundles.length;
    const { cpu, gpu, memory, custom } = this.#s.resourcesPerWorker;
    const cls = this.#cluster.actor<typeof TrainRank>(TRAIN_RANK, 'TrainRank', {
      placementGroup: pg,
      isolation: 'process',
      name: `${this.name}-rank`,
      ...(cpu !== undefined ? { cpu } : {}),
      ...(gpu !== undefined ? { gpu } : {}),
      ...(memory !== undefined ? { memory } : {}),
      ...(custom !== undefined ? { custom } : {}),
    });
    const ranks: ActorHandle<TrainRank>[] = [];
    const stop = new AbortController();
    let watch: Promise<never> | undefined;
    try {
      for (let i = 0; i < size; i++) ranks.push(cls.options({ bundleIndex: i }).remote());
      const places = await this.#cluster.get(ranks.map((r) => r.call('listen')));
      started(places);
      const addresses = places.map((p) => p.address);
      await this.#cluster.get(ranks.map((r, i) => r.call('join', `${this.name}-${attempt}`, i, addresses)));
      const run = (rank: number): RankRun => ({
        lake: this.#s.lake,
        ...(this.#s.filter ? { filter: this.#s.filter } : {}),
        settings: this.#s.train,
        ...(this.#s.normalizer ? { normalizer: this.#s.normalizer } : {}),
        checkpoint: { url: this.checkpointUrl, prefix: 'checkpoint', everySteps: this.#s.checkpoint.everySteps, keep: this.#s.checkpoint.keep },
        rank,
        worldSize: size,
        progressEveryMs: this.#s.progressEveryMs,
      });
      const fits = ranks.map((r, i) => this.#cluster.get(r.call('fit', run(i))));
      watch = this.#watch(size, stop.signal);
      const aborted = new Promise<never>((_, reject) => {
        if (signal?.aborted) reject(signal.reason);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
      // Whichever loses the race may still reject later (an abort after the end): not an unhandled rejection.
      watch.catch(() => {});
      aborted.catch(() => {});
      return await Promise.race([rootCause(fits), watch, aborted]);
    } finally {
      stop.abort();
      for (const r of ranks) r.kill();
      pg.remove();
    }
  }

  /** Relays rank 0's progress; an elastic run below max also looks for room to grow. Never resolves. */
  async #watch(size: number, signal: AbortSignal): Promise<never> {
    const storage = openStorage(this.checkpointUrl);
    const [, max] = this.#range;
    let lastAt = 0;
    let lastGrowCheck = Date.now();
    const bundle = this.#s.resourcesPerWorker;
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, this.#s.progressEveryMs));
      if (signal.aborted) break;
      if (this.#hooks.onProgress) {
        const bytes = await storage.get(PROGRESS_KEY).catch(() => undefined);
        const parsed = bytes ? rankProgressSchema.safeParse(safeJson(bytes)) : undefined;
        if (parsed?.success && parsed.data.at > lastAt && parsed.data.worldSize === size) {
          lastAt = parsed.data.at;
          this.#hooks.onProgress(parsed.data);
        }
      }
      if (size < max && Date.now() - lastGrowCheck >= this.#s.growCheckEveryMs) {
        lastGrowCheck = Date.now();
        const room = bundlesThatFit((await this.#cluster.status()).nodes, bundle);
        if (room > 0) throw new GrowSignal(Math.min(max, size + room));
      }
    }
    return new Promise<never>(() => {});
  }
}

/**
 * All ranks' results, or the failure that started it: when one rank dies the others fail too ("rank 1 closed
 * its connection"), and whichever the driver hears first is often such an echo. On the first failure this
 * waits briefly for the rest and prefers an error that is not a collective's echo of another rank's end.
 */
async function rootCause<T>(fits: Promise<T>[], graceMs = 2_000): Promise<T[]> {
  try {
    return await Promise.all(fits);
  } catch (first) {
    const settled = await Promise.race([Promise.allSettled(fits), new Promise<undefined>((r) => setTimeout(() => r(undefined), graceMs))]);
    const errors = (settled ?? []).flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
    const echo = (e: Error) => [e, e.cause].some((x) => x instanceof CollectiveError && x.peerLost);
    throw errors.find((e) => !echo(e)) ?? first;
  }
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/** How many more bundles the alive nodes' free resources hold. */
export function bundlesThatFit(
  nodes: readonly { state: string; available: Readonly<Record<string, number>> }[],
  bundle: { cpu?: number; gpu?: number; memory?: number; custom?: Record<string, number> },
): number {
  const need: Record<string, number> = { cpu: bundle.cpu ?? 1, gpu: bundle.gpu ?? 0, memory: bundle.memory ?? 0, ...bundle.custom };
  let total = 0;
  for (const node of nodes) {
    if (node.state !== 'alive') continue;
    let n = Number.POSITIVE_INFINITY;
    for (const [name, amount] of Object.entries(need)) if (amount > 0) n = Math.min(n, Math.floor((node.available[name] ?? 0) / amount + 1e-9));
    if (Number.isFinite(n)) total += n;
  }
  return total;
}
