/**
 * The historical-import source: CSV or Parquet files from a provider export or a public dataset, mapped
 * into record batches in `sampleSchema`.
 *
 *   const imp = await openHistoricalImport('metr-la.csv', {
 *     dataset: 'metr-la', city: 'los_angeles', layout: 'wide', speedUnit: 'mph', zeroIsMissing: true,
 *     wide: { timestampColumn: '' }, sensors: { '773869': { lat: 34.15497, lon: -118.31829 }, … },
 *   });
 *   for await (const batch of imp.batches()) lake.write(batch);
 *   imp.stats; // rows, samples, missing, badRows
 *
 * Files are streamed (CSV by chunks, Parquet by row group), so the file size is not bounded by memory.
 * Every value is validated (convert.ts): a bad row fails the import with an `ImportRowError` naming the file,
 * the line (CSV; the header is line 1) or row (Parquet), the column and the value, so a `lake.writeShard` fed
 * from `batches()` fails before its commit and nothing is stored. With the mapping's `onBadRow: 'skip'` such
 * rows are skipped instead, counted in `stats.badRows` and passed to `onSkippedRow`.
 */
import { DataType, type RecordBatch, type Table } from 'apache-arrow';
import { SampleBatchBuilder } from '../../traffic/batch-builder.ts';
import { RowConverter, type ImportRowError, type ImportStats } from './convert.ts';
import { compileMapping, type ImportMapping } from './mapping.ts';
import { openCsv } from './read-csv.ts';
import { openParquet } from './read-parquet.ts';

export interface ImportOptions {
  /** @default from the file name: `.parquet`/`.pq` → parquet, otherwise csv */
  format?: 'csv' | 'parquet';
  /** CSV field delimiter. @default ',' */
  delimiter?: string;
  /** Rows per output batch. @default 65536 */
  batchRows?: number;
  /** Called after each output batch. */
  onProgress?: (p: ImportProgress) => void;
  /** With the mapping's `onBadRow: 'skip'`: called with each skipped row's error (file, line, column, value). */
  onSkippedRow?: (error: ImportRowError) => void;
}

export interface ImportProgress extends ImportStats {
  /** Share of the file consumed, 0–1 (bytes for CSV, row groups for Parquet). */
  fraction: number;
  samplesPerSecond: number;
  etaSeconds: number | undefined;
}

export interface HistoricalImport {
  readonly path: string;
  readonly format: 'csv' | 'parquet';
  readonly columns: readonly string[];
  /** Counts so far; final once `batches()` is exhausted. */
  readonly stats: ImportStats;
  /** Sensors with at least one sample, so far. */
  readonly sensors: ReadonlySet<string>;
  /** Sensors stored without coordinates (lat = lon = NaN), so far. */
  readonly sensorsWithoutCoordinates: ReadonlySet<string>;
  batches(): AsyncGenerator<RecordBatch, void, undefined>;
}

export async function openHistoricalImport(path: string, mapping: ImportMapping, options: ImportOptions = {}): Promise<HistoricalImport> {
  const compiled = compileMapping(mapping);
  const format = options.format ?? (/\.(parquet|pq)$/i.test(path) ? 'parquet' : 'csv');
  const batchRows = options.batchRows ?? 65_536;
  if (!Number.isInteger(batchRows) || batchRows <= 0) throw new RangeError(`batchRows must be a positive integer, got ${batchRows}`);
  const started = Date.now();

  const progress = (stats: ImportStats, fraction: number) => {
    if (!options.onProgress) return;
    const elapsed = Math.max(1, Date.now() - started) / 1000;
    const rate = stats.samples / elapsed;
    options.onProgress({ ...stats, fraction, samplesPerSecond: rate, etaSeconds: fraction > 0 ? (elapsed * (1 - fraction)) / fraction : undefined });
  };

  if (format === 'csv') {
    const csv = await openCsv(path, { delimiter: options.delimiter });
    const converter = new RowConverter(compiled, path, csv.columns);
    return {
      path,
      format,
      columns: csv.columns,
      stats: converter.stats,
      sensors: converter.sensors,
      sensorsWithoutCoordinates: converter.sensorsWithoutCoordinates,
      async *batches() {
        const b = new SampleBatchBuilder(batchRows);
        const index = new Map(csv.columns.map((c, i) => [c, i]));
        const headerFields = csv.columns.length;
        for await (const { cells, line } of csv.rows) {
          for (const s of converter.convert((c) => cells[index.get(c)!], { line, cells, headerFields }, options.onSkippedRow)) {
            b.append(s);
            if (b.full) {
              yield b.finish();
              progress(converter.stats, csv.totalBytes > 0 ? csv.bytesRead() / csv.totalBytes : 1);
            }
          }
        }
        if (b.length > 0) yield b.finish();
        progress(converter.stats, 1);
      },
    };
  }

  const pq = await openParquet(path);
  const converter = new RowConverter(compiled, path, pq.columns);
  return {
    path,
    format,
    columns: pq.columns,
    stats: converter.stats,
    sensors: converter.sensors,
    sensorsWithoutCoordinates: converter.sensorsWithoutCoordinates,
    async *batches() {
      const b = new SampleBatchBuilder(batchRows);
      let group = 0;
      for await (const table of pq.tables) {
        const getters = new Map(pq.columns.map((c) => [c, cellReader(table, c)]));
        for (let i = 0; i < table.numRows; i++) {
          for (const s of converter.convert((c) => getters.get(c)?.(i), {}, options.onSkippedRow)) {
            b.append(s);
            if (b.full) yield b.finish();
          }
        }
        progress(converter.stats, ++group / Math.max(1, pq.rowGroups));
      }
      if (b.length > 0) yield b.finish();
    },
  };
}

/** Reads cells of one column; decimals (as DuckDB and Spark write them) come back as numbers. */
function cellReader(table: Table, column: string): (row: number) => unknown {
  const vector = table.getChild(column);
  if (!vector) return () => undefined;
  if (DataType.isDecimal(vector.type)) {
    const scale = 10 ** vector.type.scale;
    return (row) => {
      const v = vector.get(row);
      return v === null || v === undefined ? v : Number(String(v)) / scale;
    };
  }
  return (row) => vector.get(row);
}
