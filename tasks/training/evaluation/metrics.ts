/**
 * Streaming error metrics: MAE, RMSE and MAPE, accumulated row by row and mergeable across shards.
 *
 * MAPE divides by the actual value, so rows whose actual magnitude is below `mapeFloor` (a standstill at
 * 0 km/h, or zero congestion) are left out of MAPE only — MAE and RMSE still count them.
 */
export interface ErrorMetrics {
  rows: number;
  mae: number;
  rmse: number;
  /** Percent; NaN when no row qualified. */
  mape: number;
  mapeRows: number;
}

export class ErrorAccumulator {
  private n = 0;
  private sumAbs = 0;
  private sumSq = 0;
  private sumApe = 0;
  private nApe = 0;

  constructor(private readonly mapeFloor: number) {}

  add(predicted: number, actual: number): void {
    const e = predicted - actual;
    this.n++;
    this.sumAbs += Math.abs(e);
    this.sumSq += e * e;
    if (Math.abs(actual) >= this.mapeFloor) {
      this.sumApe += Math.abs(e / actual);
      this.nApe++;
    }
  }

  merge(other: ErrorAccumulator): void {
    this.n += other.n;
    this.sumAbs += other.sumAbs;
    this.sumSq += other.sumSq;
    this.sumApe += other.sumApe;
    this.nApe += other.nApe;
  }

  result(): ErrorMetrics {
    return {
      rows: this.n,
      mae: this.n ? this.sumAbs / this.n : Number.NaN,
      rmse: this.n ? Math.sqrt(this.sumSq / this.n) : Number.NaN,
      mape: this.nApe ? (100 * this.sumApe) / this.nApe : Number.NaN,
      mapeRows: this.nApe,
    };
  }
}

/** Default MAPE floor per target: 1 km/h for speeds, 0.05 for congestion ratios. */
export function defaultMapeFloor(target: 'speed' | 'congestion'): number {
  return target === 'speed' ? 1 : 0.05;
}
