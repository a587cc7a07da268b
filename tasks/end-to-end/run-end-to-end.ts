/**
 * The traffic workloads end to end on a cluster (what `npm start` runs, through examples/pipeline.ts):
 * collect synthetic samples for 20 cities into the lake, search a small grid of models (trials spread over
 * the workers, ASHA stops the weak ones), validate the best against the historical-average and last-value
 * baselines on held-out days, register and promote it, and answer a few predictions with the promoted
 * version. ("Pipeline" in tasks/ means the feature pipeline of training/input/ only.) Each stage is resumable: running it again reuses what is done.
 */
import path from 'node:path';
import { tune, type Cluster } from '../../cluster/client/index.ts';
import { collect, type CollectProgress } from '../collect/index.ts';
import { openLake } from '../lake/index.ts';
import { openStorage } from '../../cluster/storage/index.ts';
import { CITY_KEYS } from '../traffic/cities.ts';
import { loadArtifacts } from '../training/artifacts/artifacts-file.ts';
import { pipelineFor } from '../training/input/feature-pipeline.ts';
import { Predictor } from '../training/predictor.ts';
import { ModelRegistry } from '../training/artifacts/registry.ts';
import { TRAFFIC_TRAINABLE, type TrafficTrainable } from '../training/trainable.ts';
import { formatValidationTable, validateModel, type ValidationReport } from '../training/evaluation/validation.ts';

export interface EndToEndOptions {
  /** Folder for the lake, tune state and the model registry. @default './data' */
  dataDir?: string;
  /** Samples to collect. @default 1,000,000 */
  samples?: number;
  /** Days of data (the last two are held out: one to validate trials, one to test the winner). @default 7 */
  days?: number;
  /** First day (UTC). @default 2026-01-05, a Monday */
  firstDay?: string;
  /** Epochs per trial at most. @default 3 */
  epochs?: number;
  log?: (line: string) => void;
  onCollectProgress?: (p: CollectProgress) => void;
}

export interface EndToEndReport {
  lake: { url: string; rows: number; files: number; bytes: number; partitions: number; collectedNow: number; collectSeconds: number; samplesPerSecond: number };
  tune: { name: string; trials: number; stopped: number; best: { trialId: string; config: Record<string, unknown>; validMae: number }; table: string; seconds: number };
  validation: ValidationReport;
  validationTable: string;
  model: { name: string; version: number; registry: string };
  predictions: { city: string; hour: number; predictedKmh: number; freeFlowKmh: number }[];
}

const DAY = 86_400_000;

export async function runEndToEnd(cluster: Cluster, o: EndToEndOptions = {}): Promise<EndToEndReport> {
  const log = o.log ?? (() => undefined);
  const dataDir = path.resolve(o.dataDir ?? 'data');
  const lakeDir = path.join(dataDir, 'lake');
  const samples = o.samples ?? 1_000_000;
  const days = Math.max(3, o.days ?? 7);
  const from = Date.parse(`${o.firstDay ?? '2026-01-05'}T00:00:00Z`);
  const trainTo = from + (days - 2) * DAY;
  const validTo = trainTo + DAY;
  const testTo = validTo + DAY;

  // 1. Data: the collection job (a second run finds every shard committed and adds nothing).
  log(`1/4 collect ${samples.toLocaleString('en-US')} synthetic samples for ${CITY_KEYS.length} cities, ${days} days → ${lakeDir}`);
  const collected = await collect(
    cluster,
    { source: 'synthetic', cities: 'all', from, to: testTo, target: samples, lake: lakeDir, shardSamples: 250_000 },
    { onProgress: o.onCollectProgress },
  );
  const lake = await openLake(lakeDir, { threads: 0 });
  const stats = await lake.stats();

  // 2. Models: a small grid, trials spread over the cluster, ASHA stopping the weak ones after an epoch.
  log(`2/4 grid search: 3 learning rates × 2 architectures, up to ${o.epochs ?? 3} epochs each, ASHA early stopping`);
  const tuned = await tune.run(cluster, cluster.actor<typeof TrafficTrainable>(TRAFFIC_TRAINABLE, 'TrafficTrainable'), {
    space: {
      lake: lakeDir,
      trainFrom: from,
      trainTo,
      validFrom: trainTo,
      validTo,
      // 3e-4 learns too slowly for three epochs: its trials start last and ASHA stops them after the first,
      // against the four that came before (a trial that is first at a rung has nothing to be compared with).
      learningRate: tune.grid([1e-3, 3e-3, 3e-4]),
      hidden: tune.grid([[32], [64, 64]]),
      batchSize: 2048,
    },
    // The best epoch's error: what each trial's saved model (and so the registered one) scores.
    metric: 'bestValidMae',
    mode: 'min',
    maxIterations: o.epochs ?? 3,
    scheduler: { type: 'asha', gracePeriod: 1, reductionFactor: 2, maxT: o.epochs ?? 3 },
    resourcesPerTrial: { cpu: 1 },
    name: `speed-mlp-${samples}`,
    storageDir: path.join(dataDir, 'tune'),
    resume: false,
  });
  if (!tuned.best?.checkpoint) throw new Error(`no trial finished with a model:\n${tuned.table}`);

  // 3. Validation of the winner on the test day, against the baselines on the same rows.
  log('3/4 validate the best model on the held-out day against the historical-average and last-value baselines');
  const artifacts = await loadArtifacts(openStorage(path.dirname(tuned.best.checkpoint)), path.basename(tuned.best.checkpoint));
  const predictor = await Predictor.fromArtifacts(artifacts);
  const validation = await validateModel({
    predict: (x, n) => predictor.predictRows(x, n),
    pipeline: pipelineFor(artifacts.spec, artifacts.target, artifacts.horizonsMin),
    data: () => lake.scan(),
    trainRange: { from, to: trainTo },
    testRange: { from: validTo, to: testTo },
  });
  predictor.close();

  // 4. Registry: a new version with its config, metrics and data range, promoted, then served.
  log('4/4 register and promote the model, then predict with the promoted version');
  const registryStorage = openStorage(path.join(dataDir, 'registry'));
  const registry = new ModelRegistry(registryStorage);
  const version = await registry.register({
    model: 'traffic-speed',
    artifacts,
    config: tuned.best.config,
    metrics: { test: validation.overall, validMae: tuned.best.metric, beats: validation.beats },
    dataRange: { from, to: trainTo },
  });
  await registry.promote('traffic-speed', version.version);
  const served = await Predictor.load(registry, 'traffic-speed');
  const sample = await lake.head(5, { filter: { dateFrom: new Date(validTo).toISOString().slice(0, 10) } });
  const predicted = await served.predict(sample as never);
  served.close();
  await lake.close();

  return {
    lake: {
      url: lakeDir,
      rows: stats.rows,
      files: stats.files,
      bytes: stats.bytes,
      partitions: stats.partitions,
      collectedNow: collected.samples - (collected.skipped === collected.shardsTotal ? collected.samples : 0),
      collectSeconds: collected.elapsedS,
      samplesPerSecond: collected.rate,
    },
    tune: {
      name: tuned.name,
      trials: tuned.trials.length,
      stopped: tuned.trials.filter((t) => t.status === 'stopped').length,
      best: { trialId: tuned.best.trialId, config: tuned.best.config, validMae: tuned.best.metric },
      table: tuned.table,
      seconds: tuned.elapsedS,
    },
    validation,
    validationTable: formatValidationTable(validation),
    model: { name: 'traffic-speed', version: version.version, registry: registryStorage.url },
    predictions: sample.map((s, i) => ({
      city: String(s.city),
      hour: Number(s.hour),
      predictedKmh: predicted[i]!,
      freeFlowKmh: Number(s.free_flow_speed_kmh),
    })),
  };
}
