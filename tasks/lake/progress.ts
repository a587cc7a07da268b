/** Progress of long lake operations, in a shape a CLI bar or the dashboard can show directly. */

export interface LakeProgress {
  operation: 'write' | 'scan' | 'verify';
  /** Rows written, read or verified so far. */
  rows: number;
  /** Rows expected in all, when known (a scan knows it from the commit records). */
  totalRows?: number;
  files: number;
  totalFiles?: number;
  /** Parquet bytes written or read so far. */
  bytes: number;
  elapsedMs: number;
  rowsPerSecond: number;
  /** Estimated time left, when the total is known. */
  etaMs?: number;
  done: boolean;
}

export type ProgressCallback = (progress: LakeProgress) => void;

/** Counts work and calls back at most every `intervalMs`, plus once when done. */
export class ProgressMeter {
  readonly #started = performance.now();
  #lastReport = 0;
  #rows = 0;
  #files = 0;
  #bytes = 0;

  constructor(
    readonly operation: LakeProgress['operation'],
    readonly callback: ProgressCallback | undefined,
    readonly totals: { rows?: number; files?: number } = {},
    readonly intervalMs = 250,
  ) {}

  add(rows: number, bytes: number, files: number): void {
    this.#rows += rows;
    this.#bytes += bytes;
    this.#files += files;
    if (!this.callback) return;
    const now = performance.now();
    if (now - this.#lastReport >= this.intervalMs) {
      this.#lastReport = now;
      this.callback(this.snapshot(false));
    }
  }

  done(): void {
    this.callback?.(this.snapshot(true));
  }

  snapshot(done: boolean): LakeProgress {
    const elapsedMs = performance.now() - this.#started;
    const rowsPerSecond = elapsedMs > 0 ? (this.#rows * 1000) / elapsedMs : 0;
    const progress: LakeProgress = {
      operation: this.operation,
      rows: this.#rows,
      files: this.#files,
      bytes: this.#bytes,
      elapsedMs,
      rowsPerSecond,
      done,
    };
    if (this.totals.rows !== undefined) {
      progress.totalRows = this.totals.rows;
      if (rowsPerSecond > 0) progress.etaMs = (Math.max(0, this.totals.rows - this.#rows) * 1000) / rowsPerSecond;
    }
    if (this.totals.files !== undefined) progress.totalFiles = this.totals.files;
    return progress;
  }
}
