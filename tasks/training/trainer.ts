/**
 * `trainModel`: incremental training over a stream of sample batches, with checkpoints and exact resume.
 *
 * The data never sits in memory: each pass calls `data()` for a fresh stream (the lake reader with its
 * partition and row filters), encodes each Arrow batch to feature rows, shuffles them through a bounded
 * buffer and trains on fixed-size batches. Before the first epoch one pass over up to `normalizerRows`
 * training rows fits the feature normalisation, which then travels with every checkpoint and the model.
 *
 * Checkpoints record the step, the epoch and how many batches of it were trained. Since shuffling is seeded
 * per epoch, a resumed run replays the same batch sequence, skips what was done and continues: after a kill
 * it ends at the same step count, with the same weights, as a run that was never interrupted.
 *
 * Data-parallel trainers pass an `exchange`; each step's gradients are averaged across ranks before the update,
 * with a "had data" flag riding along so ranks whose shard runs out keep stepping in lockstep until all have.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelArtifacts } from './artifacts/model-artifacts.ts';
import { Adam } from './adam.ts';
import { selectBackend, type BackendName } from './backend.ts';
import { CheckpointStore } from './artifacts/checkpoint.ts';
import { allreduceBuckets, gradientBuckets, inStepScope, soloExchange, type GradientExchange } from './gradient-exchange.ts';
import { DivergedError, TrainingOptionsError } from './errors.ts';
import { createPredictFn, encodeStream, evaluate } from './evaluation/evaluate.ts';
import { defaultMapeFloor } from './evaluation/metrics.ts';
import { LinearModel, createModel, readParams, writeParams } from './models/index.ts';
import { RidgeAccumulator } from './evaluation/ridge.ts';
import { describeSpec, inputWidth, type Model } from './models/model.ts';
import { Normalizer, NormalizerFit } from './input/normalizer.ts';
import {
  parseTrainSettings,
  type EpochReport,
  type TrainOptions,
  type TrainSettings,
  type TrainingProgress,
} from './options.ts';
import type { EncodedBatch } from './input/encoded-batch.ts';
import { pipelineFor, type FeaturePipeline } from './input/feature-pipeline.ts';
import { rowStreamBytes, shuffledBatches, type RowBatch } from './input/row-stream.ts';
import type { NamedArrays } from './artifacts/tensor-file.ts';

export interface TrainResult {
  artifacts: ModelArtifacts;
  steps: number;
  epochsCompleted: number;
  rowsSeen: number;
  history: EpochReport[];
  /** Step the run resumed from, when it continued a checkpoint. */
  resumedFromStep?: number;
  stoppedEarly: boolean;
  backend: BackendName;
  /** Largest data-buffer footprint, in bytes; at most `memoryBudgetBytes`. */
  peakBufferedBytes: number;
  /** Rows dropped for non-finite values. */
  skippedRows: number;
}

export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const settings = parseTrainSettings(options);
  const backend = await selectBackend({ prefer: settings.backends, logger: options.logger });
  const run = new TrainingRun(settings, options, backend.backend);
  try {
    return await run.run();
  } finally {
    run.dispose();
  }
}

class TrainingRun {
  private readonly pipeline: FeaturePipeline;
  private readonly model: Model;
  private readonly adam: Adam;
  private readonly exchange: GradientExchange;
  private readonly store?: CheckpointStore;
  private readonly names: string[];
  private readonly width: number;
  private readonly bufferRows: number;
  private normalizer?: Normalizer;
  private step = 0;
  private epoch = 0;
  private batchesInEpoch = 0;
  private rowsSeen = 0;
  private skippedRows = 0;
  private history: EpochReport[] = [];
  private lastProgress = 0;

  constructor(
    private readonly s: TrainSettings,
    private readonly hooks: TrainOptions,
    private readonly backend: BackendName,
  ) {
    this.pipeline = pipelineFor(s.model, s.target, s.horizonsMin, hooks.graph);
    this.width = inputWidth(s.model);
    // Fit the shuffle buffer into the memory budget (before any tfjs state exists, so a refusal leaks nothing);
    // the batch itself must fit or nothing can run.
    const rowBytes = (this.width + this.pipeline.targetWidth) * 4;
    const budgetRows = Math.floor(s.memoryBudgetBytes / rowBytes) - s.batchSize;
    if (budgetRows < 0) {
      throw new TrainingOptionsError('trainModel', [
        `memoryBudgetBytes: ${s.memoryBudgetBytes} cannot hold one batch of ${s.batchSize} rows ` +
          `(${s.batchSize * rowBytes} bytes); raise the budget or lower batchSize`,
      ]);
    }
    this.bufferRows = Math.min(s.shuffleBufferRows, budgetRows);
    if (this.bufferRows < s.shuffleBufferRows) {
      hooks.logger?.warn({ requested: s.shuffleBufferRows, used: this.bufferRows }, 'shuffle buffer shrunk to budget');
    }
    this.model = createModel(s.model, s.seed);
    this.adam = new Adam(this.model.params, s.learningRate);
    this.exchange = hooks.exchange ?? soloExchange;
    this.names = [...this.model.params.keys()];
    if (s.checkpoint) this.store = new CheckpointStore(s.checkpoint.storage, s.checkpoint.prefix, s.checkpoint.keep);
  }

  async run(): Promise<TrainResult> {
    const resumedFromStep = await this.restore();
    this.normalizer ??= this.hooks.normalizer ?? (await this.fitNormalizer());
    let stoppedEarly = false;
    const started = { step: this.step, epoch: this.epoch };
    this.hooks.logger?.info(
      { backend: this.backend, model: describeSpec(this.s.model), resumedFromStep, ...started },
      'training started',
    );
    // A linear model is solved, not trained: one pass is the exact answer, so it takes one epoch whatever `epochs` says.
    const epochs = this.s.model.kind === 'linear' ? Math.min(1, this.s.epochs) : this.s.epochs;
    while (this.epoch < epochs && !this.reachedMaxSteps()) {
      const trainLoss = this.model instanceof LinearModel ? await this.solveLinear(this.model) : await this.trainEpoch();
      if (this.batchesInEpoch === 0 && trainLoss === undefined) break; // empty training range
      if (this.reachedMaxSteps() && this.stillInsideEpoch) {
        await this.saveCheckpoint();
        break;
      }
      const report: EpochReport = { epoch: this.epoch, step: this.step, rowsSeen: this.rowsSeen, trainLoss: trainLoss ?? NaN };
      if (this.s.validRange) Object.assign(report, await this.validate());
      this.history.push(report);
      this.epoch++;
      this.batchesInEpoch = 0;
      await this.saveCheckpoint();
      if ((await this.hooks.onReport?.(report)) === 'stop') {
        stoppedEarly = true;
        break;
      }
    }
    return {
      artifacts: {
        spec: this.s.model,
        target: this.s.target,
        horizonsMin: [...this.pipeline.horizonsMin],
        pipeline: this.pipeline.name,
        normalizer: this.normalizer.toJSON(),
        weights: await readParams(this.model),
        backend: this.backend,
      },
      steps: this.step,
      epochsCompleted: this.epoch,
      rowsSeen: this.rowsSeen,
      history: this.history,
      resumedFromStep,
      stoppedEarly,
      backend: this.backend,
      peakBufferedBytes: rowStreamBytes({
        inputWidth: this.width,
        targetWidth: this.pipeline.targetWidth,
        batchSize: this.s.batchSize,
        bufferRows: this.bufferRows,
      }),
      skippedRows: this.skippedRows,
    };
  }

  private stillInsideEpoch = false;

  private reachedMaxSteps(): boolean {
    return this.s.maxSteps !== undefined && this.step >= this.s.maxSteps;
  }

  /** Loads the newest checkpoint when resuming is on; returns its step. */
  private async restore(): Promise<number | undefined> {
    if (!this.store || !this.s.checkpoint?.resume) return undefined;
    const ckpt = await this.store.loadLatest({ model: describeSpec(this.s.model), pipeline: this.pipeline.name });
    if (!ckpt) return undefined;
    const where = `${this.store.storage.url}/${this.store.prefix}`;
    const params: NamedArrays = new Map();
    const moments: NamedArrays = new Map();
    for (const [name, t] of ckpt.tensors) {
      if (name.startsWith('optimizer/')) moments.set(name.slice('optimizer/'.length), t);
      else params.set(name, t);
    }
    writeParams(this.model, params, where);
    this.adam.load(moments, ckpt.meta.optimizerIterations);
    this.normalizer = Normalizer.fromJSON(ckpt.meta.normalizer, where);
    this.step = ckpt.meta.step;
    this.epoch = ckpt.meta.epoch;
    this.batchesInEpoch = ckpt.meta.batchesInEpoch;
    this.rowsSeen = ckpt.meta.rowsSeen;
    this.history = ckpt.meta.history as EpochReport[];
    this.epochLoss = ckpt.meta.epochLoss ? [...ckpt.meta.epochLoss] : [0, 0];
    this.hooks.logger?.info({ step: this.step, epoch: this.epoch, where }, 'resumed from checkpoint');
    return this.step;
  }

  private async saveCheckpoint(): Promise<void> {
    // Ranks hold identical weights after every averaged step; one writer is enough.
    if (!this.store || this.exchange.rank !== 0) return;
    await this.flushLoss();
    const tensors: NamedArrays = await readParams(this.model);
    for (const [name, t] of await this.adam.state()) tensors.set(`optimizer/${name}`, t);
    await this.store.save({
      meta: {
        version: 1,
        model: describeSpec(this.s.model),
        pipeline: this.pipeline.name,
        step: this.step,
        epoch: this.epoch,
        batchesInEpoch: this.batchesInEpoch,
        rowsSeen: this.rowsSeen,
        optimizerIterations: this.adam.iterations,
        normalizer: this.normalizer!.toJSON(),
        history: this.history,
        epochLoss: [...this.epochLoss],
        savedAt: new Date().toISOString(),
      },
      tensors,
    });
  }

  private async fitNormalizer(): Promise<Normalizer> {
    const fit = new NormalizerFit(this.pipeline.featureNames, this.pipeline.targetWidth);
    const t0 = Date.now();
    for await (const e of encodeStream(this.hooks.data(), this.pipeline.encoder(this.s.trainRange))) {
      const take = Math.min(e.count, this.s.normalizerRows - fit.rows);
      fit.add(e.x, e.y, take);
      this.progress('normalize', fit.rows, t0);
      if (fit.rows >= this.s.normalizerRows) break;
    }
    let json = fit.finish().toJSON();
    if (this.exchange.size > 1) {
      // Every rank must normalise identically; the mean of the ranks' statistics is exact for equal shards.
      const packed = Float32Array.from([...json.mean, ...json.std, json.targetMean, json.targetStd, json.rows]);
      const avg = await this.exchange.allreduceMean(packed);
      const w = json.mean.length;
      json = {
        ...json,
        mean: [...avg.subarray(0, w)],
        std: [...avg.subarray(w, 2 * w)],
        targetMean: avg[2 * w]!,
        targetStd: avg[2 * w + 1]!,
        rows: Math.round(avg[2 * w + 2]! * this.exchange.size),
      };
    }
    return new Normalizer(json);
  }

  private normalizedStream(): AsyncGenerator<RowBatch> {
    const normalizer = this.normalizer!;
    const encoded = encodeStream(this.hooks.data(), this.pipeline.encoder(this.s.trainRange));
    return shuffledBatches(this.normalized(encoded, normalizer), {
      inputWidth: this.width,
      targetWidth: this.pipeline.targetWidth,
      batchSize: this.s.batchSize,
      bufferRows: this.bufferRows,
      // Per-epoch (not per-rank) seed: ranks read different shards but shuffle the same way.
      seed: this.s.seed * 7919 + this.epoch,
    });
  }

  /** The encoded rows, normalized in place; counts the rows the encoder skipped. */
  private async *normalized(encoded: AsyncIterable<EncodedBatch>, normalizer: Normalizer): AsyncGenerator<EncodedBatch> {
    for await (const e of encoded) {
      this.skippedRows += e.skipped;
      normalizer.applyInPlace(e.x, e.count);
      normalizer.normalizeTargetsInPlace(e.y, e.count * this.pipeline.targetWidth);
      yield e;
    }
  }

  /**
   * The linear model's closed-form fit (ridge, a tiny penalty) on every normalised training row, in one
   * streaming pass; returns its mean squared error on those rows (the normalised loss the other models
   * report), undefined when the range held no row. Data-parallel ranks would each solve their shard: refused.
   */
  private async solveLinear(model: LinearModel): Promise<number | undefined> {
    if (this.exchange.size > 1) throw new TrainingOptionsError('trainModel', ['a linear model is solved in closed form by one trainer; train it without data-parallel ranks']);
    const width = this.width;
    const outputs = this.pipeline.targetWidth;
    const ridge = new RidgeAccumulator(width + 1, outputs);
    const row = new Float64Array(width + 1);
    row[width] = 1;
    const t0 = Date.now();
    for await (const e of this.normalized(encodeStream(this.hooks.data(), this.pipeline.encoder(this.s.trainRange)), this.normalizer!)) {
      for (let r = 0; r < e.count; r++) {
        for (let i = 0; i < width; i++) row[i] = e.x[r * width + i]!;
        ridge.add(row, e.y.subarray(r * outputs, (r + 1) * outputs));
      }
      this.rowsSeen += e.count;
      this.progress('train', this.rowsSeen, t0);
    }
    if (ridge.rows.every((n) => n === 0)) return undefined;
    const weights = ridge.solve(1e-6);
    model.assign(weights);
    this.step++;
    this.batchesInEpoch++;
    const mse = ridge.meanSquaredError(weights);
    return mse.reduce((a, b) => a + b, 0) / mse.length;
  }

  /** One epoch (or its remainder after a resume). Returns the mean training loss, undefined when no batch ran. */
  private async trainEpoch(): Promise<number | undefined> {
    const batches = this.normalizedStream()[Symbol.asyncIterator]();
    const skip = this.batchesInEpoch;
    for (let i = 0; i < skip; i++) if ((await batches.next()).done) break;
    const t0 = Date.now();
    let epochRows = 0;
    const everySteps = this.s.checkpoint?.everySteps;
    this.stillInsideEpoch = true;
    try {
      while (!this.reachedMaxSteps()) {
        const next = await batches.next();
        const batch = next.done ? undefined : next.value;
        if (!(await this.trainStep(batch))) break;
        if (batch) {
          epochRows += batch.count;
          this.rowsSeen += batch.count;
        }
        this.step++;
        this.batchesInEpoch++;
        this.progress('train', epochRows, t0);
        if (everySteps && this.step % everySteps === 0) {
          await this.checkFinite();
          await this.saveCheckpoint();
        }
      }
    } finally {
      await batches.return?.(undefined);
    }
    this.stillInsideEpoch = this.reachedMaxSteps();
    await this.checkFinite();
    this.epochRows = Math.max(this.epochRows, epochRows + skip * this.s.batchSize);
    const [sum, count] = this.epochLoss;
    this.epochLoss = [0, 0];
    return count ? sum / count : undefined;
  }

  /**
   * Loss of the current epoch as [sum, steps]. Single trainers add on the device and read the sum only at
   * checkpoints and epoch ends: a per-step read would stall a GPU pipeline on every step.
   */
  private epochLoss: [number, number] = [0, 0];
  private lossOnDevice?: tf.Scalar;

  private addLoss(loss: number | tf.Scalar): void {
    if (typeof loss === 'number') this.epochLoss[0] += loss;
    else {
      const sum = this.lossOnDevice ? tf.add(this.lossOnDevice, loss) : loss.clone();
      this.lossOnDevice?.dispose();
      this.lossOnDevice = tf.keep(sum as tf.Scalar);
    }
    this.epochLoss[1]++;
  }

  private async flushLoss(): Promise<void> {
    if (!this.lossOnDevice) return;
    this.epochLoss[0] += (await this.lossOnDevice.data())[0]!;
    this.lossOnDevice.dispose();
    this.lossOnDevice = undefined;
  }

  private async checkFinite(): Promise<void> {
    await this.flushLoss();
    if (!Number.isFinite(this.epochLoss[0])) throw new DivergedError(this.step, this.epochLoss[0]);
  }

  private epochRows = 0;

  /**
   * Computes gradients for `batch` (none when this rank's shard is exhausted), averages them across ranks and
   * applies the update. Returns false when no rank had data (the epoch is over).
   */
  private async trainStep(batch: RowBatch | undefined): Promise<boolean> {
    const outputs = this.pipeline.targetWidth;
    if (this.exchange.size === 1) {
      if (!batch) return false;
      tf.tidy(() => {
        const x = tf.tensor2d(batch.x, [batch.count, this.width]);
        const y = tf.tensor2d(batch.y, [batch.count, outputs]);
        const { loss, grads } = this.model.lossAndGrads(x, y);
        this.adam.apply(grads);
        this.addLoss(loss);
      });
      return true;
    }
    return inStepScope(tf, async () => {
      let grads: Map<string, tf.Tensor> | undefined;
      let loss = 0;
      if (batch) {
        const x = tf.tensor2d(batch.x, [batch.count, this.width]);
        const y = tf.tensor2d(batch.y, [batch.count, outputs]);
        const r = this.model.lossAndGrads(x, y);
        loss = (await r.loss.data())[0]!;
        grads = r.grads;
      }
      const sizes = this.paramSizes();
      this.buckets ??= gradientBuckets(sizes, this.names, this.s.bucketBytes);
      const avg = await allreduceBuckets(this.exchange, grads, sizes, this.buckets, [batch ? 1 : 0, loss]);
      const withData = Math.round(avg.extra[0]! * this.exchange.size);
      if (withData === 0) return false;
      // Mean over the ranks that had data, not over all ranks.
      const scale = this.exchange.size / withData;
      const mean = new Map<string, tf.Tensor>();
      for (const [name, g] of avg.grads) {
        if (scale !== 1) for (let i = 0; i < g.length; i++) g[i]! *= scale;
        mean.set(name, tf.tensor(g, this.paramShapes().get(name)!.shape, 'float32'));
      }
      this.adam.apply(mean);
      this.addLoss(avg.extra[1]! * scale);
      return true;
    });
  }

  private buckets?: string[][];
  private sizes?: Map<string, number>;
  private paramSizes(): Map<string, number> {
    this.sizes ??= new Map([...this.model.params].map(([n, v]) => [n, v.size]));
    return this.sizes;
  }

  private shapes?: Map<string, { shape: number[] }>;
  private paramShapes(): Map<string, { shape: number[] }> {
    this.shapes ??= new Map([...this.model.params].map(([n, v]) => [n, { shape: [...v.shape] }]));
    return this.shapes;
  }

  private async validate(): Promise<Partial<EpochReport>> {
    const m = await evaluate({
      predict: createPredictFn(this.model, this.normalizer!, this.s.evalBatchSize),
      pipeline: this.pipeline,
      data: (this.hooks.validData ?? this.hooks.data)(),
      range: this.s.validRange,
      mapeFloor: defaultMapeFloor(this.s.target),
    });
    const std = this.normalizer!.json.targetStd;
    return { validMae: m.mae, validRmse: m.rmse, validLoss: (m.rmse / std) ** 2, validRows: m.rows };
  }

  private progress(phase: TrainingProgress['phase'], rows: number, t0: number): void {
    if (!this.hooks.onProgress) return;
    const now = Date.now();
    if (now - this.lastProgress < this.s.progressEveryMs) return;
    this.lastProgress = now;
    const rowsPerSecond = rows / Math.max(1e-3, (now - t0) / 1000);
    let etaSeconds: number | undefined;
    if (phase === 'train' && this.epochRows > 0 && rowsPerSecond > 0) {
      const left = this.epochRows * (this.s.epochs - this.epoch) - rows;
      etaSeconds = Math.max(0, left / rowsPerSecond);
    }
    this.hooks.onProgress({ phase, epoch: this.epoch, epochs: this.s.epochs, step: this.step, rows, rowsPerSecond, etaSeconds });
  }

  dispose(): void {
    this.lossOnDevice?.dispose();
    this.model.dispose();
    this.adam.dispose();
  }
}
