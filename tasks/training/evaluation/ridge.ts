/**
 * Ridge regression in closed form, one fit per output, from normal equations accumulated while streaming:
 * w = (XᵀX + λI)⁻¹ Xᵀy, solved by Cholesky. Rows whose target for an output is missing (NaN) are left out of
 * that output's fit only, so every output learns from every row that has its answer. The intercept (the last
 * feature, a constant 1, by the caller's convention) is not penalised.
 *
 * Memory is d² + d numbers per output whatever the row count: a billion rows cost one pass, not one matrix.
 */
export class RidgeAccumulator {
  readonly #xtx: Float64Array[];
  readonly #xty: Float64Array[];
  readonly #rows: number[];
  readonly #yy: number[];

  constructor(
    readonly features: number,
    readonly outputs: number,
  ) {
    this.#xtx = Array.from({ length: outputs }, () => new Float64Array(features * features));
    this.#xty = Array.from({ length: outputs }, () => new Float64Array(features));
    this.#rows = new Array<number>(outputs).fill(0);
    this.#yy = new Array<number>(outputs).fill(0);
  }

  /** One row: `x` has `features` values (finite), `y` has `outputs` (NaN where unknown). */
  add(x: ArrayLike<number>, y: ArrayLike<number>): void {
    const d = this.features;
    for (let o = 0; o < this.outputs; o++) {
      const t = y[o]!;
      if (!Number.isFinite(t)) continue;
      const a = this.#xtx[o]!;
      const b = this.#xty[o]!;
      for (let i = 0; i < d; i++) {
        const xi = x[i]!;
        b[i]! += xi * t;
        const row = i * d;
        // Upper triangle only; the solve mirrors it.
        for (let j = i; j < d; j++) a[row + j]! += xi * x[j]!;
      }
      this.#rows[o]!++;
      this.#yy[o]! += t * t;
    }
  }

  /** Mean squared error of `weights` over the rows added, per output: (yᵀy − 2wᵀXᵀy + wᵀXᵀXw) / n, no second pass. */
  meanSquaredError(weights: readonly Float64Array[]): number[] {
    const d = this.features;
    return weights.map((w, o) => {
      const n = this.#rows[o]!;
      if (n === 0) return Number.NaN;
      const a = this.#xtx[o]!;
      let quad = 0;
      for (let i = 0; i < d; i++) {
        quad += a[i * d + i]! * w[i]! * w[i]!;
        for (let j = i + 1; j < d; j++) quad += 2 * a[i * d + j]! * w[i]! * w[j]!;
      }
      return Math.max(0, (this.#yy[o]! - 2 * dot(w, this.#xty[o]!) + quad) / n);
    });
  }

  get rows(): readonly number[] {
    return this.#rows;
  }

  /**
   * The weights of each output (`features` numbers each). `lambda` is relative to the mean diagonal of XᵀX,
   * so it means the same whatever the features' scale. An output with no rows gets NaN weights.
   */
  solve(lambda = 1e-4): Float64Array[] {
    const d = this.features;
    return this.#xtx.map((upper, o) => {
      if (this.#rows[o] === 0) return new Float64Array(d).fill(Number.NaN);
      const a = new Float64Array(d * d);
      let trace = 0;
      for (let i = 0; i < d; i++) trace += upper[i * d + i]!;
      const ridge = (lambda * trace) / d;
      for (let i = 0; i < d; i++) {
        for (let j = i; j < d; j++) {
          const v = upper[i * d + j]!;
          a[i * d + j] = v;
          a[j * d + i] = v;
        }
        if (i < d - 1) a[i * d + i]! += ridge;
      }
      // A constant intercept column with no penalty keeps the matrix positive definite only with rows; a
      // tiny jitter keeps Cholesky going on degenerate data (a sensor that never changes).
      a[(d - 1) * d + (d - 1)]! += 1e-12 * (trace || 1);
      return choleskySolve(a, this.#xty[o]!, d);
    });
  }
}

/** Solves A w = b for symmetric positive definite A (row-major d×d), by A = L Lᵀ. */
export function choleskySolve(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new RangeError('the normal equations are not positive definite: too few distinct rows for this many features');
        l[i * d + i] = Math.sqrt(sum);
      } else {
        l[i * d + j] = sum / l[j * d + j]!;
      }
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * d + k]! * z[k]!;
    z[i] = sum / l[i * d + i]!;
  }
  const w = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let k = i + 1; k < d; k++) sum -= l[k * d + i]! * w[k]!;
    w[i] = sum / l[i * d + i]!;
  }
  return w;
}

export function dot(w: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += w[i]! * x[i]!;
  return s;
}
