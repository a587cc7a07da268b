/** Shared pieces of the lake tests: temporary folders, reading everything back, rows in a stable order, DuckDB. */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lake, ScanOptions } from '../../tasks/lake/index.ts';

export async function tempDir(prefix = 'convoy-lake-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function readAll(lake: Lake, options?: ScanOptions): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const batch of lake.scan(options)) batches.push(batch);
  return batches;
}

export type Row = Record<string, unknown>;

/** Rows as plain objects, sorted by city, time and segment so that writes and reads can be compared. */
export function sortedRows(batches: Iterable<RecordBatch>): Row[] {
  const rows: Row[] = [];
  for (const batch of batches) for (const row of batch) rows.push({ ...row!.toJSON() });
  return sortRows(rows);
}

export function sortRows(rows: Row[]): Row[] {
  const keyed = rows.map((row) => ({ row, key: `${String(row.city ?? '')}\u0000${String(row.timestamp ?? '').padStart(16, '0')}\u0000${String(row.segment_id ?? '')}` }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.row);
}

export function countRows(batches: Iterable<RecordBatch>): number {
  let n = 0;
  for (const batch of batches) n += batch.numRows;
  return n;
}

export interface DuckDB {
  rows(sql: string): Promise<unknown[][]>;
  close(): void;
}

/** An in-memory DuckDB on one thread (tests share two cores), for reading the lake the way a user would. */
export async function openDuckDB(): Promise<DuckDB> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection: DuckDBConnection = await instance.connect();
  return {
    rows: async (sql) => (await connection.runAndReadAll(sql)).getRows() as unknown[][],
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** `read_parquet` over every published file of a local lake, with Hive partitions as columns. */
export function lakeGlob(dir: string): string {
  return `read_parquet('${join(dir, '**', '*.parquet').replaceAll("'", "''")}', hive_partitioning = true)`;
}

/** Rows DuckDB sees in a local lake's published files (0 when there are none). */
export async function duckCount(duck: DuckDB, dir: string, where = 'true'): Promise<number> {
  try {
    const [[count]] = (await duck.rows(`SELECT count(*)::BIGINT FROM ${lakeGlob(dir)} WHERE ${where}`)) as [[bigint]];
    return Number(count);
  } catch (error) {
    if (/No files found/i.test(String((error as Error).message))) return 0;
    throw error;
  }
}
