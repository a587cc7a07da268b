/**
 * Streams a CSV file (optionally gzip-compressed) row by row with csv-parse, reporting bytes read so the
 * caller can show progress and an ETA.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';

export interface CsvRows {
  /** Header names in file order (an object's keys would reorder numeric names such as sensor ids). */
  columns: string[];
  totalBytes: number;
  bytesRead(): number;
  /** Data rows as arrays of cells, in `columns` order. */
  rows: AsyncIterable<string[]>;
}

export class CsvFileError extends Error {
  override readonly name = 'CsvFileError';
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot read CSV ${path}: ${detail}`, options);
  }
}

export async function openCsv(path: string, options: { delimiter?: string } = {}): Promise<CsvRows> {
  let totalBytes: number;
  try {
    totalBytes = (await stat(path)).size;
  } catch (cause) {
    throw new CsvFileError(path, `${(cause as NodeJS.ErrnoException).code ?? 'cannot stat'}; check the path`, { cause });
  }
  const file = createReadStream(path);
  let read = 0;
  file.on('data', (chunk) => (read += chunk.length));
  const text: Readable = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  const parser = text.pipe(
    parse({ delimiter: options.delimiter ?? ',', bom: true, trim: false, skip_empty_lines: true, relax_column_count: false }),
  );
  file.on('error', (e) => parser.destroy(e));
  if (text !== file) text.on('error', (e) => parser.destroy(e));
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  let header: IteratorResult<string[]>;
  try {
    header = await iterator.next();
  } catch (cause) {
    throw new CsvFileError(path, (cause as Error).message, { cause });
  }
  if (header.done) throw new CsvFileError(path, 'the file is empty; expected a header line');
  const columns = header.value;
  async function* rows(): AsyncGenerator<string[]> {
    for (;;) {
      let r: IteratorResult<string[]>;
      try {
        r = await iterator.next();
      } catch (cause) {
        throw new CsvFileError(path, `${(cause as Error).message}; check quoting and the number of fields per line`, { cause });
      }
      if (r.done) return;
      yield r.value;
    }
  }
  return { columns, totalBytes, bytesRead: () => read, rows: rows() };
}
