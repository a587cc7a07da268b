/**
 * Streams a CSV file (optionally gzip-compressed) row by row with csv-parse, reporting bytes read so the
 * caller can show progress and an ETA. Each row comes with its line in the file (the header is line 1, as
 * an editor and csv-parse's own errors count), and rows with another number of fields than the header are
 * passed on for the caller to refuse or skip like any bad row.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { registerTrafficErrors, TrafficError } from '../../traffic/errors.ts';

export interface CsvRows {
  /** Header names in file order (an object's keys would reorder numeric names such as sensor ids). */
  columns: string[];
  totalBytes: number;
  bytesRead(): number;
  /** Data rows as arrays of cells, in `columns` order, each with the file line it ends on. */
  rows: AsyncIterable<CsvRow>;
}

export interface CsvRow {
  cells: string[];
  /** Line of the file the record ends on (header = line 1; a quoted field may span lines). */
  line: number;
}

export class CsvFileError extends TrafficError {
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
    // `info` gives each record's line; `relax_column_count` lets a short or long row reach the converter, which
    // refuses it with its line (or skips it with onBadRow: 'skip') instead of ending the whole file here.
    parse({ delimiter: options.delimiter ?? ',', bom: true, trim: false, skip_empty_lines: true, relax_column_count: true, info: true }),
  );
  file.on('error', (e) => parser.destroy(e));
  if (text !== file) text.on('error', (e) => parser.destroy(e));
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: { lines: number } }>;
  let header: IteratorResult<{ record: string[]; info: { lines: number } }>;
  try {
    header = await iterator.next();
  } catch (cause) {
    throw new CsvFileError(path, (cause as Error).message, { cause });
  }
  if (header.done) throw new CsvFileError(path, 'the file is empty; expected a header line');
  const columns = header.value.record;
  async function* rows(): AsyncGenerator<CsvRow> {
    for (;;) {
      let r: IteratorResult<{ record: string[]; info: { lines: number } }>;
      try {
        r = await iterator.next();
      } catch (cause) {
        throw new CsvFileError(path, `${(cause as Error).message}; check quoting and the number of fields per line`, { cause });
      }
      if (r.done) return;
      yield { cells: r.value.record, line: r.value.info.lines };
    }
  }
  return { columns, totalBytes, bytesRead: () => read, rows: rows() };
}

registerTrafficErrors(CsvFileError);
