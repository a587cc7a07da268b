/**
 * Streams a Parquet file one row group at a time with parquet-wasm, so a large file never sits in memory
 * whole: each row group is decoded to Arrow IPC and read back as an apache-arrow Table.
 */
import { openAsBlob } from 'node:fs';
import { type Table, tableFromIPC } from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm/node';
import { registerTrafficErrors, TrafficError } from '../../traffic/errors.ts';

export class ParquetFileError extends TrafficError {
  override readonly name = 'ParquetFileError';
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot read Parquet ${path}: ${detail}`, options);
  }
}

export interface ParquetRowGroups {
  columns: string[];
  rowGroups: number;
  totalRows: number;
  tables: AsyncIterable<Table>;
}

export async function openParquet(path: string, columns?: readonly string[]): Promise<ParquetRowGroups> {
  let file: ParquetFile;
  try {
    file = await ParquetFile.fromFile(await openAsBlob(path));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    throw new ParquetFileError(path, code ? `${code}; check the path` : `${String((cause as Error)?.message ?? cause)}; is it a Parquet file?`, { cause });
  }
  const meta = file.metadata();
  const fileMeta = meta.fileMetadata();
  const rowGroups = meta.numRowGroups();
  const totalRows = Number(fileMeta.numRows());
  // The Arrow schema (with the reader's type mapping) is easiest to get from a one-row read.
  const head = tableFromIPC((await file.read({ limit: 1, columns: columns ? [...columns] : undefined })).intoIPCStream());
  const names = head.schema.fields.map((f) => f.name);
  async function* tables(): AsyncGenerator<Table> {
    for (let g = 0; g < rowGroups; g++) {
      let t;
      try {
        t = await file.read({ rowGroups: [g], columns: columns ? [...columns] : undefined });
      } catch (cause) {
        throw new ParquetFileError(path, `row group ${g}: ${String((cause as Error)?.message ?? cause)}`, { cause });
      }
      yield tableFromIPC(t.intoIPCStream());
    }
  }
  return { columns: names, rowGroups, totalRows, tables: tables() };
}

registerTrafficErrors(ParquetFileError);
