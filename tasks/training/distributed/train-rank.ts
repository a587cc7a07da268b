/**
 * One rank of a data-parallel training run: an actor in a process of its own (one per GPU when the run asks
 * for `{ gpu: 1 }`), driven by {@link DataParallelTrainer} in three calls:
 *
 *   listen()  opens this rank's collective endpoint and returns its address;
 *   join()    connects to every other rank once the driver has all the addresses;
 *   fit()     trains: reads its slice of the lake's files (every worldSize-th file from its rank, read ahead
 *             by the lake reader), averages each step's gradients with the others through the group, and
 *             resumes from the run's newest checkpoint, which rank 0 writes.
 *
 * Every rank ends with the same bits (the allreduce gives each the same sums, and each applies the same
 * update); `fit` returns a digest of its weights so the driver can check that it is so.
 */
import { createHash } from 'node:crypto';
import { openCollectiveEndpoint, type CollectiveEndpoint, type CollectiveGroup } from '../../../cluster/client/index.ts';
import { openStorage } from '../../../cluster/storage/index.ts';
import { openLake, type Lake } from '../../lake/index.ts';
import type { ModelArtifacts } from '../artifacts/model-artifacts.ts';
import type { EpochReport } from '../options.ts';
import { trainModel } from '../trainer.ts';
import { Normalizer } from '../input/normalizer.ts';
import { PROGRESS_KEY, type RankProgress, type RankRun } from './rank-run.ts';

/** The module workers import the rank from (what the trainer passes to `cluster.actor`). */
export const TRAIN_RANK = new URL(import.meta.url);

/** The sample columns training reads. */
export const TRAIN_COLUMNS = ['timestamp', 'city', 'segment_id', 'lat', 'lon', 'road_class', 'hour', 'day_of_week', 'free_flow_speed_kmh', 'current_speed_kmh', 'congestion'];

/** Where a rank runs. */
export interface RankPlace {
  /** Its collective endpoint. */
  address: string;
  pid: number;
  nodeId: string;
}

export interface RankResult {
  rank: number;
  steps: number;
  epochsCompleted: number;
  rowsSeen: number;
  resumedFromStep?: number;
  history: EpochReport[];
  backend: string;
  /** SHA-256 over the final weights: equal on every rank. */
  weightsDigest: string;
  /** Rank 0 only: the trained model. */
  artifacts?: ModelArtifacts;
}

export class TrainRank {
  #endpoint: CollectiveEndpoint | undefined;
  #group: CollectiveGroup | undefined;

  /** Opens this rank's endpoint (on its node's interface, token-checked): the address peers dial, and where the rank runs. */
  async listen(): Promise<RankPlace> {
    this.#endpoint ??= await openCollectiveEndpoint();
    return { address: this.#endpoint.address, pid: process.pid, nodeId: process.env.CONVOY_NODE_ID ?? '' };
  }

  async join(group: string, rank: number, addresses: string[]): Promise<void> {
    if (!this.#endpoint) throw new Error('join() before listen()');
    this.#group?.close();
    this.#group = await this.#endpoint.join({ group, rank, addresses });
  }

  async fit(run: RankRun): Promise<RankResult> {
    const group = this.#group;
    if (!group) throw new Error('fit() before join()');
    if (group.rank !== run.rank || group.size !== run.worldSize) {
      throw new Error(`fit() for rank ${run.rank} of ${run.worldSize} on a group where this is rank ${group.rank} of ${group.size}`);
    }
    const lake: Lake = await openLake(run.lake, { threads: 0 });
    const storage = openStorage(run.checkpoint.url);
    const slice = { index: run.rank, count: run.worldSize };
    const filter = run.filter ? { filter: run.filter } : {};
    let lastWrite = 0;
    try {
      const result = await trainModel({
        ...run.settings,
        // Only rank 0 validates (on the whole held-out range): validation runs no collective, so the other
        // ranks need not wait for it, and one score is what the driver reports.
        ...(run.rank === 0 ? {} : { validRange: undefined }),
        progressEveryMs: run.progressEveryMs,
        data: () => lake.scan({ columns: TRAIN_COLUMNS, ...filter, slice, reuseBuffers: true }),
        ...(run.rank === 0 ? { validData: () => lake.scan({ columns: TRAIN_COLUMNS, ...filter }) } : {}),
        exchange: group,
        ...(run.normalizer ? { normalizer: Normalizer.fromJSON(run.normalizer, 'the trainer\'s normalizer option') } : {}),
        checkpoint: { storage, prefix: run.checkpoint.prefix, everySteps: run.checkpoint.everySteps, keep: run.checkpoint.keep, resume: true },
        ...(run.rank === 0
          ? {
              onProgress: (p) => {
                const now = Date.now();
                if (now - lastWrite < run.progressEveryMs) return;
                lastWrite = now;
                const progress: RankProgress = { ...p, worldSize: run.worldSize, at: now };
                void storage.put(PROGRESS_KEY, new TextEncoder().encode(JSON.stringify(progress))).catch(() => {});
              },
            }
          : {}),
      });
      const digest = createHash('sha256');
      for (const [name, t] of [...result.artifacts.weights].sort(([a], [b]) => (a < b ? -1 : 1))) {
        digest.update(name);
        digest.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      }
      return {
        rank: run.rank,
        steps: result.steps,
        epochsCompleted: result.epochsCompleted,
        rowsSeen: result.rowsSeen,
        ...(result.resumedFromStep !== undefined ? { resumedFromStep: result.resumedFromStep } : {}),
        history: result.history,
        backend: result.backend,
        weightsDigest: digest.digest('hex'),
        ...(run.rank === 0 ? { artifacts: result.artifacts } : {}),
      };
    } finally {
      await lake.close();
    }
  }

  /** Leaves the group (the driver calls it before killing the actor; a killed rank's peers see it as a death). */
  close(): void {
    this.#group?.close();
    this.#endpoint?.close();
  }
}
