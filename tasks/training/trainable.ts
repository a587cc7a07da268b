/**
 * Traffic models as a tune Trainable: each `step()` trains one more epoch over the lake (resuming the trial's
 * own checkpoint, so the step count and weights continue exactly) and reports validation metrics, with the
 * best epoch so far (`bestValidMae`, `bestEpoch`); `save()` writes the best epoch's artifacts beside the
 * checkpoint so the driver can register the best trial at its best epoch. The config picks the model
 * (`model: 'mlp' | 'gru'`, `history`, `horizons`: trial-config.ts) and early stopping (`patience`).
 *
 * ```ts
 * const result = await tune.run(cluster, cluster.actor(TRAFFIC_TRAINABLE, 'TrafficTrainable'), {
 *   space: { lake: './data/lake', learningRate: tune.grid([1e-3, 3e-3]), hidden: tune.grid([[32], [64, 64]]), trainTo, validFrom, validTo },
 *   metric: 'validMae', mode: 'min', maxIterations: 3,
 * });
 * ```
 */
import path from 'node:path';
import type { StepResult, Trainable, TrialConfig, TrialContext } from '../../cluster/tune/index.ts';
import { openLake, type Lake } from '../lake/index.ts';
import { openStorage, type ObjectStorage } from '../../cluster/storage/index.ts';
import { formatZodIssues } from '../../cluster/common/index.ts';
import type { ModelArtifacts } from './artifacts/model-artifacts.ts';
import { saveArtifacts } from './artifacts/artifacts-file.ts';
import { BestEpoch } from './best-epoch.ts';
import { loadNeighbours } from '../graph/index.ts';
import type { NeighbourMap } from './input/sequence-windows.ts';
import { trainModel } from './trainer.ts';
import { TRAFFIC_SPACE_KEYS, trafficTrialConfigSchema, trialModel, type TrafficTrialConfig, type TrialModel } from './trial-config.ts';

/** The module workers import the trainable from (pass to `cluster.actor`). */
export const TRAFFIC_TRAINABLE = new URL(import.meta.url);

export type { TrafficTrialConfig } from './trial-config.ts';

const COLUMNS = ['timestamp', 'city', 'segment_id', 'lat', 'lon', 'road_class', 'hour', 'day_of_week', 'free_flow_speed_kmh', 'current_speed_kmh', 'congestion'];

export class TrafficTrainable implements Trainable {
  #config!: TrafficTrialConfig;
  #lake: Lake | undefined;
  #storage!: ObjectStorage;
  #model!: TrialModel;
  /** The graph model's neighbours, loaded once per trial from the graphs beside the lake. */
  #graph: NeighbourMap | undefined;
  #epoch = 0;
  #artifacts: ModelArtifacts | undefined;
  /** The best epoch so far (keep-best-epoch): what save() writes, and what early stopping counts from. */
  #best = new BestEpoch<ModelArtifacts>();

  /** Starts a trial. Called again on the same instance when tune reuses the actor: nothing of the last trial stays. */
  async setup(config: TrialConfig, context: TrialContext): Promise<void> {
    const parsed = trafficTrialConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')} (valid: ${TRAFFIC_SPACE_KEYS.join(', ')})` : formatZodIssues([i])[0]!));
      throw new TypeError(`TrafficTrainable config: ${issues.join('; ')}`);
    }
    const c = parsed.data;
    const model = trialModel(c);
    await this.#lake?.close();
    this.#config = c;
    this.#model = model;
    this.#epoch = 0;
    this.#artifacts = undefined;
    this.#best = new BestEpoch();
    this.#graph = undefined;
    this.#lake = await openLake(c.lake, { threads: 0 });
    this.#storage = openStorage(context.checkpointPrefix);
  }

  async step(): Promise<StepResult> {
    const c = this.#config;
    const lake = this.#lake;
    if (!lake) throw new Error('step() before setup(): no trial to train');
    const filter = c.cities?.length === 1 ? { city: c.cities[0] } : undefined;
    this.#graph ??= c.model === 'graph' ? await this.#loadGraph(lake, c.cities) : undefined;
    const result = await trainModel({
      ...(this.#graph ? { graph: this.#graph } : {}),
      data: () => lake.scan({ columns: COLUMNS, ...(filter ? { filter } : {}) }),
      model: this.#model.spec,
      ...(this.#model.horizonsMin[0] !== 0 ? { horizonsMin: this.#model.horizonsMin } : {}),
      target: c.target ?? 'speed',
      learningRate: c.learningRate ?? 1e-3,
      batchSize: c.batchSize ?? 4096,
      seed: c.seed ?? 1,
      trainRange: { from: c.trainFrom, to: c.trainTo },
      validRange: { from: c.validFrom, to: c.validTo },
      // One more epoch than last time, resuming the checkpoint the previous step left.
      epochs: this.#epoch + 1,
      checkpoint: { storage: this.#storage, prefix: 'checkpoint', everySteps: 1_000_000, resume: true },
    });
    this.#epoch = result.epochsCompleted;
    this.#artifacts = result.artifacts;
    const last = result.history.at(-1);
    const validMae = last?.validMae ?? Number.NaN;
    this.#best.observe(this.#epoch, validMae, result.artifacts);
    return {
      epoch: this.#epoch,
      steps: result.steps,
      trainLoss: last?.trainLoss ?? Number.NaN,
      validMae,
      validRmse: last?.validRmse ?? Number.NaN,
      bestValidMae: this.#best.value ?? Number.NaN,
      bestEpoch: this.#best.epoch ?? Number.NaN,
      rows: result.rowsSeen,
      // Early stopping: `patience` epochs without a better validMae end the trial (its best epoch is kept).
      // A linear model is solved in its first step; more would only solve it again.
      ...(this.#best.exhausted(c.patience) || c.model === 'linear' ? { done: true } : {}),
    };
  }

  /** The neighbours of every sensor of the trial's cities (all the lake's cities by default) that has a graph. */
  async #loadGraph(lake: Lake, cities: readonly string[] | undefined): Promise<NeighbourMap> {
    const { neighbours, missing } = await loadNeighbours(lake, cities ?? Object.keys((await lake.stats()).rowsBy.city ?? {}));
    if (neighbours.size === 0) {
      throw new TypeError(`model "graph" reads the sensor graph beside the lake, and there is none for ${missing.join(', ') || 'any city'}: store one with convoy import-graph --lake ${lake.url} --city CITY FILE`);
    }
    return neighbours;
  }

  /**
   * The model at its best epoch so far (by validMae; the latest when none scored), as artifacts under `model/`
   * in the trial's folder; returns that folder. A best epoch saved before a restore stays as it is until a
   * better one comes.
   */
  async save(): Promise<string> {
    if (!this.#artifacts) throw new Error('save() before any step: nothing trained yet');
    const keep = this.#best.epoch !== undefined ? this.#best.kept : this.#artifacts;
    if (keep) await saveArtifacts(this.#storage, 'model', keep);
    const best = this.#best.epoch !== undefined ? { bestEpoch: this.#best.epoch, bestValidMae: this.#best.value } : {};
    await this.#storage.put('trial.json', new TextEncoder().encode(JSON.stringify({ epoch: this.#epoch, ...best })));
    return path.join(this.#storage.url, 'model');
  }

  /** Continues from a saved trial folder: the epoch count comes back here, the weights on the next step. */
  async restore(checkpoint: string): Promise<void> {
    this.#storage = openStorage(path.dirname(checkpoint));
    const saved = await this.#storage.get('trial.json');
    if (!saved) return;
    const t = JSON.parse(new TextDecoder().decode(saved)) as { epoch: number; bestEpoch?: number; bestValidMae?: number };
    this.#epoch = t.epoch;
    // The best epoch's artifacts are on disk (model/); only a better epoch replaces them.
    if (t.bestEpoch !== undefined && t.bestValidMae !== undefined) this.#best.restore(t.bestEpoch, t.bestValidMae, t.epoch);
  }
}
