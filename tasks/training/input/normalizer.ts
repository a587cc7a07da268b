/**
 * Feature normalisation fitted on training rows and saved with the model.
 *
 * Statistics are accumulated in one streaming pass (Chan et al.'s parallel form of Welford's algorithm, so
 * partial fits from several trainers or several batches merge exactly) and frozen into per-column mean and
 * standard deviation. Constant columns get std 1 so they pass through centred instead of dividing by zero.
 * The target is z-scored too, which keeps the loss scale independent of whether it is km/h or a ratio.
 */
import { CorruptArtifactError } from '../errors.ts';

export interface NormalizerJSON {
  version: 1;
  featureNames: string[];
  mean: number[];
  std: number[];
  targetMean: number;
  targetStd: number;
  /** Rows the statistics were computed from. */
  rows: number;
}

/** Running per-column count, mean and M2 (sum of squared deviations). */
export class NormalizerFit {
  readonly width: number;
  private n = 0;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private tMean = 0;
  private tM2 = 0;

  /**
   * @param targetWidth outputs per row (3 for a 15/30/60-minute sequence model); they share one target scale,
   *   since they are the same quantity at different horizons.
   */
  constructor(
    readonly featureNames: readonly string[],
    readonly targetWidth = 1,
  ) {
    this.width = featureNames.length;
    this.mean = new Float64Array(this.width);
    this.m2 = new Float64Array(this.width);
  }

  get rows(): number {
    return this.n;
  }

  /** Adds `count` row-major rows of `x` (width columns) with their `count × targetWidth` targets `y`. */
  add(x: Float32Array, y: Float32Array, count: number): void {
    if (count === 0) return;
    const tCount = count * this.targetWidth;
    // Batch statistics first, then one merge: per-row Welford updates are 5× slower for the same result.
    const w = this.width;
    const bMean = new Float64Array(w);
    const bM2 = new Float64Array(w);
    let tSum = 0;
    for (let r = 0; r < count; r++) {
      for (let c = 0; c < w; c++) bMean[c]! += x[r * w + c]!;
    }
    for (let i = 0; i < tCount; i++) tSum += y[i]!;
    for (let c = 0; c < w; c++) bMean[c]! /= count;
    const bT = tSum / tCount;
    let bTM2 = 0;
    for (let r = 0; r < count; r++) {
      for (let c = 0; c < w; c++) {
        const d = x[r * w + c]! - bMean[c]!;
        bM2[c]! += d * d;
      }
    }
    for (let i = 0; i < tCount; i++) {
      const dt = y[i]! - bT;
      bTM2 += dt * dt;
    }
    // Target moments are per value, so scale them to the row count the merge weights by.
    this.mergeStats(count, bMean, bM2, bT, bTM2 / this.targetWidth);
  }

  /** Merges another partial fit (e.g. from another data-parallel rank). */
  merge(other: NormalizerFit): void {
    this.mergeStats(other.n, other.mean, other.m2, other.tMean, other.tM2);
  }

  private mergeStats(nB: number, meanB: Float64Array, m2B: Float64Array, tMeanB: number, tM2B: number): void {
    if (nB === 0) return;
    const nA = this.n;
    const n = nA + nB;
    for (let c = 0; c < this.width; c++) {
      const delta = meanB[c]! - this.mean[c]!;
      this.mean[c]! += (delta * nB) / n;
      this.m2[c]! += m2B[c]! + (delta * delta * nA * nB) / n;
    }
    const dt = tMeanB - this.tMean;
    this.tMean += (dt * nB) / n;
    this.tM2 += tM2B + (dt * dt * nA * nB) / n;
    this.n = n;
  }

  finish(): Normalizer {
    const std = (m2: number) => {
      const s = this.n > 1 ? Math.sqrt(m2 / (this.n - 1)) : 0;
      return s > 1e-8 ? s : 1;
    };
    return new Normalizer({
      version: 1,
      featureNames: [...this.featureNames],
      mean: [...this.mean],
      std: [...this.m2].map(std),
      targetMean: this.tMean,
      targetStd: std(this.tM2),
      rows: this.n,
    });
  }
}

/** Frozen statistics: applies z-scores to features and targets, and maps predictions back. */
export class Normalizer {
  private readonly mean: Float32Array;
  private readonly invStd: Float32Array;

  constructor(readonly json: NormalizerJSON) {
    this.mean = Float32Array.from(json.mean);
    this.invStd = Float32Array.from(json.std, (s) => 1 / s);
  }

  get width(): number {
    return this.mean.length;
  }

  /** Normalises `count` rows of `x` in place. */
  applyInPlace(x: Float32Array, count: number): void {
    const w = this.mean.length;
    for (let r = 0; r < count; r++) {
      const o = r * w;
      for (let c = 0; c < w; c++) x[o + c] = (x[o + c]! - this.mean[c]!) * this.invStd[c]!;
    }
  }

  normalizeTargetsInPlace(y: Float32Array, count: number = y.length): void {
    const { targetMean: m, targetStd: s } = this.json;
    for (let i = 0; i < count; i++) y[i] = (y[i]! - m) / s;
  }

  denormalizeTargetsInPlace(y: Float32Array): Float32Array {
    const { targetMean: m, targetStd: s } = this.json;
    for (let i = 0; i < y.length; i++) y[i] = y[i]! * s + m;
    return y;
  }

  toJSON(): NormalizerJSON {
    return this.json;
  }

  static fromJSON(value: unknown, location: string): Normalizer {
    const v = value as Partial<NormalizerJSON> | null;
    const ok =
      v?.version === 1 &&
      Array.isArray(v.featureNames) &&
      Array.isArray(v.mean) &&
      Array.isArray(v.std) &&
      v.mean.length === v.featureNames.length &&
      v.std.length === v.featureNames.length &&
      v.std.every((s) => typeof s === 'number' && s > 0) &&
      typeof v.targetMean === 'number' &&
      typeof v.targetStd === 'number' &&
      v.targetStd > 0;
    if (!ok) throw new CorruptArtifactError(location, 'normalizer statistics are missing or malformed');
    return new Normalizer(v as NormalizerJSON);
  }
}
