/**
 * Training checkpoints on an {@link ObjectStorage} (local folder or S3).
 *
 * Layout under a run prefix:
 *
 *     <prefix>/step-000001500/state.bin   model parameters and optimiser moments (tensor-file.ts)
 *     <prefix>/step-000001500/meta.json   step, epoch, position in the epoch, normaliser, spec, size and SHA-256 of state.bin
 *     <prefix>/latest.json                {"step": 1500, "key": "<prefix>/step-000001500"}
 *
 * Each write is atomic (the storage contract), and the order is state, then meta, then latest: a crash at any
 * point leaves the previous checkpoint intact and `latest.json` pointing at a complete one. Loading trusts
 * `latest.json` but falls back to the newest complete step folder if it is missing or corrupt. Old steps are
 * pruned only after the new `latest.json` is written.
 *
 * `meta.json` records the size and SHA-256 of its `state.bin`, checked on load: a state file whose bytes
 * changed after the save (disk, copy, a stray write) is refused as corrupt instead of resuming with wrong
 * weights. Checkpoints saved before this have no digest and load as they did.
 */
import type { ObjectStorage } from '../../../cluster/storage/index.ts';
import { assertDigest, digestOf, parseDigest, type ArtifactDigest } from './digest.ts';
import { CheckpointMismatchError, CorruptArtifactError } from '../errors.ts';
import type { NormalizerJSON } from '../input/normalizer.ts';
import { decodeTensors, encodeTensors, type NamedArrays } from './tensor-file.ts';

export interface CheckpointMeta {
  version: 1;
  /** Architecture description; a checkpoint is refused by a run of a different model. */
  model: string;
  pipeline: string;
  step: number;
  epoch: number;
  /** Batches of `epoch` already trained on; a resumed run skips this many. */
  batchesInEpoch: number;
  rowsSeen: number;
  optimizerIterations: number;
  normalizer: NormalizerJSON;
  /** Per-epoch reports so far, so a resumed run's history is complete. */
  history: unknown[];
  /** Sum and count of step losses so far in `epoch`, so the resumed epoch's mean loss is exact. */
  epochLoss?: [number, number];
  savedAt: string;
  /** Size and SHA-256 of `state.bin`, set by `save()`; absent in checkpoints saved before digests existed. */
  state?: ArtifactDigest;
}

export interface LoadLatestOptions {
  /**
   * Called for each newer checkpoint that was skipped because it is unreadable or fails its digest (the load
   * then falls back to an older one). When none is usable, the last such error is thrown instead.
   */
  onCorrupt?: (error: CorruptArtifactError) => void;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  /** Parameters under their names; optimiser moments under `optimizer/<name>/m|v`. */
  tensors: NamedArrays;
}

const stepKey = (prefix: string, step: number) => `${prefix}/step-${String(step).padStart(9, '0')}`;

export class CheckpointStore {
  constructor(
    readonly storage: ObjectStorage,
    /** Key prefix of this run, e.g. `checkpoints/trial-3`. No leading or trailing slash. */
    readonly prefix: string,
    /** Complete checkpoints kept; older ones are deleted after a newer one is committed. @default 2 */
    readonly keep = 2,
  ) {}

  private where(key: string): string {
    return `${this.storage.url.replace(/\/$/, '')}/${key}`;
  }

  async save(checkpoint: Checkpoint): Promise<void> {
    const key = stepKey(this.prefix, checkpoint.meta.step);
    const state = encodeTensors(checkpoint.tensors);
    await this.storage.put(`${key}/state.bin`, state);
    const meta: CheckpointMeta = { ...checkpoint.meta, state: digestOf(state) };
    await this.storage.put(`${key}/meta.json`, new TextEncoder().encode(JSON.stringify(meta)));
    await this.storage.put(
      `${this.prefix}/latest.json`,
      new TextEncoder().encode(JSON.stringify({ step: checkpoint.meta.step, key })),
    );
    await this.prune(checkpoint.meta.step);
  }

  /** The newest complete checkpoint, or undefined when the run has none. */
  async loadLatest(expect?: { model: string; pipeline: string }, options: LoadLatestOptions = {}): Promise<Checkpoint | undefined> {
    const candidates: string[] = [];
    const latest = await this.storage.get(`${this.prefix}/latest.json`);
    if (latest) {
      try {
        const { key } = JSON.parse(new TextDecoder().decode(latest)) as { key?: unknown };
        if (typeof key === 'string') candidates.push(key);
      } catch {
        // A corrupt pointer is recoverable: the step folders below are the source of truth.
      }
    }
    for (const key of (await this.stepKeys()).reverse()) if (!candidates.includes(key)) candidates.push(key);
    let lastError: unknown;
    for (const key of candidates) {
      try {
        const checkpoint = await this.read(key);
        if (checkpoint) {
          if (expect && (checkpoint.meta.model !== expect.model || checkpoint.meta.pipeline !== expect.pipeline)) {
            throw new CheckpointMismatchError(
              this.where(key),
              `${expect.model} / ${expect.pipeline}`,
              `${checkpoint.meta.model} / ${checkpoint.meta.pipeline}`,
            );
          }
          return checkpoint;
        }
      } catch (err) {
        if (err instanceof CheckpointMismatchError) throw err;
        if (err instanceof CorruptArtifactError) options.onCorrupt?.(err);
        lastError = err;
      }
    }
    if (lastError) throw lastError;
    return undefined;
  }

  private async read(key: string): Promise<Checkpoint | undefined> {
    const [metaBytes, state] = await Promise.all([
      this.storage.get(`${key}/meta.json`),
      this.storage.get(`${key}/state.bin`),
    ]);
    if (!metaBytes || !state) return undefined;
    let meta: CheckpointMeta;
    try {
      meta = JSON.parse(new TextDecoder().decode(metaBytes)) as CheckpointMeta;
    } catch (err) {
      throw new CorruptArtifactError(this.where(`${key}/meta.json`), 'not JSON', { cause: err });
    }
    if (meta?.version !== 1 || !Number.isInteger(meta.step)) {
      throw new CorruptArtifactError(this.where(`${key}/meta.json`), 'unknown checkpoint format');
    }
    const digest = parseDigest(meta.state, this.where(`${key}/meta.json`), 'meta.json');
    assertDigest(state, digest, this.where(`${key}/state.bin`), 'meta.json');
    return { meta, tensors: decodeTensors(state, this.where(`${key}/state.bin`)) };
  }

  /** Step folder keys in ascending step order. */
  private async stepKeys(): Promise<string[]> {
    const keys = new Set<string>();
    for await (const { key } of this.storage.list(`${this.prefix}/`)) {
      const m = /^(.*\/step-\d{9})\/meta\.json$/.exec(key);
      if (m) keys.add(m[1]!);
    }
    return [...keys].sort();
  }

  private async prune(newest: number): Promise<void> {
    const keys = await this.stepKeys();
    const newestKey = stepKey(this.prefix, newest);
    const older = keys.filter((k) => k < newestKey);
    for (const key of older.slice(0, Math.max(0, older.length - (this.keep - 1)))) {
      // meta first: a folder without meta.json is never a load candidate, even if state.bin lingers.
      await this.storage.delete(`${key}/meta.json`);
      await this.storage.delete(`${key}/state.bin`);
    }
  }

  /** Deletes every checkpoint of this run (e.g. when a trial is discarded). */
  async clear(): Promise<void> {
    const keys: string[] = [];
    for await (const { key } of this.storage.list(`${this.prefix}/`)) keys.push(key);
    for (const key of keys) await this.storage.delete(key);
  }
}
