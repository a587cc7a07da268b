/**
 * Reads a sensor graph file as public traffic datasets ship one:
 *
 * - **a matrix** (adjacency weights or distances), N×N numbers. The first line is a header of sensor ids unless
 *   `ids` is given (then the file has no header, and `ids` names rows and columns in order). Rows may start
 *   with their own id (a corner cell in the header, or N+1 cells per row); it must match the column's.
 *   Empty cells, `inf`, `nan` and 0 off the diagonal mean "no edge".
 * - **an edge list**, rows of `from,to,value` (DCRNN's `distances.csv` is `from,to,cost`), with or without a
 *   header. With `ids`, the graph has exactly those sensors in that order and edges that touch another id are
 *   skipped and counted (DCRNN's distance files cover more sensors than its datasets); without, the ids are
 *   those of the edges in order of appearance.
 *
 * `ids` files hold ids separated by commas or new lines (DCRNN's `graph_sensor_ids.txt` is one line).
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';
import type { EdgeList } from './sensor-graph.ts';

export class GraphFileError extends TrafficError {
  override readonly name = 'GraphFileError';
  constructor(
    readonly path: string,
    readonly line: number | undefined,
    detail: string,
  ) {
    super(`${path}${line !== undefined ? `, line ${line}` : ''}: ${detail}`);
  }
}

export type GraphFileFormat = 'matrix' | 'edges';

export interface GraphFileContents extends EdgeList {
  format: GraphFileFormat;
  /** Edge-list rows skipped because an end is not among `ids`. */
  skippedEdges: number;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NO_EDGE = /^(|inf|\+inf|infinity|nan|na|null)$/i;
const FROM_NAMES = ['from', 'source', 'src', 'from_id', 'i'];

async function readRows(path: string): Promise<string[][]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new GraphFileError(path, undefined, `${(cause as NodeJS.ErrnoException).code ?? 'cannot read'}; check the path`);
  }
  try {
    return parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (cause) {
    throw new GraphFileError(path, undefined, (cause as Error).message);
  }
}

export async function readIdsFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new GraphFileError(path, undefined, `${(cause as NodeJS.ErrnoException).code ?? 'cannot read'}; check the path`);
  }
  const ids = text.replace(/^\uFEFF/, '').split(/[,\r\n]+/).map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0) throw new GraphFileError(path, undefined, 'no ids; expected ids separated by commas or new lines');
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new GraphFileError(path, undefined, `id "${id}" appears twice`);
    seen.add(id);
  }
  return ids;
}

/**
 * The format of a file whose format was not given: a from/to header is an edge list; so are rows of 3 cells,
 * unless the file has the shape of a 3×3 matrix (3 rows with `ids`, else a header and 3 rows) or a labelled
 * matrix's blank corner cell. `--format` settles what this cannot.
 */
export function guessFormat(rows: string[][], ids?: readonly string[]): GraphFileFormat {
  const first = rows[0] ?? [];
  if (FROM_NAMES.includes((first[0] ?? '').toLowerCase())) return 'edges';
  // A blank first cell is a labelled matrix's corner.
  if (first[0] === '' || !rows.every((r) => r.length === 3)) return 'matrix';
  const square = ids ? rows.length === ids.length : rows.length === 4;
  return square ? 'matrix' : 'edges';
}

export async function readGraphFile(path: string, options: { format?: GraphFileFormat; ids?: readonly string[] } = {}): Promise<GraphFileContents> {
  const rows = await readRows(path);
  if (rows.length === 0) throw new GraphFileError(path, undefined, 'the file is empty');
  const format = options.format ?? guessFormat(rows, options.ids);
  return format === 'edges' ? edgeList(path, rows, options.ids) : matrix(path, rows, options.ids);
}

function matrix(path: string, rows: string[][], given: readonly string[] | undefined): GraphFileContents {
  let ids: readonly string[];
  let body: string[][];
  let firstLine: number;
  let corner = false;
  if (given) {
    ids = given;
    body = rows;
    firstLine = 1;
  } else {
    const header = rows[0]!;
    // A header one cell longer than the data rows' matrix part, or starting with a blank, has a corner cell.
    corner = header[0] === '' || (rows.length > 1 && header.length === rows[1]!.length && rows.length - 1 === header.length - 1);
    ids = corner ? header.slice(1) : header;
    body = rows.slice(1);
    firstLine = 2;
    if (ids.some((id) => id === '')) throw new GraphFileError(path, 1, 'an empty sensor id in the header');
  }
  const n = ids.length;
  if (body.length !== n) {
    throw new GraphFileError(path, undefined, `${body.length} matrix rows for ${n} sensor ids${given ? ' (from --ids)' : ' (the header)'}; a matrix is square${given ? '' : ', or give --ids when it has no header'}`);
  }
  const out: GraphFileContents = { format: 'matrix', ids, from: [], to: [], value: [], skippedEdges: 0 };
  body.forEach((row, i) => {
    const line = firstLine + i;
    let cells = row;
    if (row.length === n + 1) {
      if (row[0] !== ids[i]) throw new GraphFileError(path, line, `the row is labelled "${row[0]}" but is row ${i + 1}, sensor "${ids[i]}"`);
      cells = row.slice(1);
    } else if (corner || row.length !== n) {
      throw new GraphFileError(path, line, `${row.length} cells, expected ${n}${corner ? ' after the row label' : ''}`);
    }
    cells.forEach((cell, j) => {
      if (NO_EDGE.test(cell)) return;
      if (!NUMBER.test(cell)) throw new GraphFileError(path, line, `column ${j + 1} (sensor "${ids[j]}"): "${cell.slice(0, 40)}" is not a number`);
      const v = Number(cell);
      if (v === 0 && i !== j) return;
      out.from.push(i);
      out.to.push(j);
      out.value.push(v);
    });
  });
  return out;
}

function edgeList(path: string, rows: string[][], given: readonly string[] | undefined): GraphFileContents {
  const header = !NUMBER.test(rows[0]![2] ?? '');
  const index = new Map<string, number>((given ?? []).map((id, i) => [id, i]));
  const ids: string[] = given ? [...given] : [];
  const out: GraphFileContents = { format: 'edges', ids, from: [], to: [], value: [], skippedEdges: 0 };
  const indexOf = (id: string): number | undefined => {
    let k = index.get(id);
    if (k === undefined && !given) {
      k = ids.length;
      ids.push(id);
      index.set(id, k);
    }
    return k;
  };
  rows.forEach((row, r) => {
    if (header && r === 0) return;
    const line = r + 1;
    if (row.length !== 3) throw new GraphFileError(path, line, `${row.length} cells, expected 3 (from,to,value)`);
    const [a, b, cell] = row as [string, string, string];
    if (a === '' || b === '') throw new GraphFileError(path, line, 'an empty sensor id');
    if (!NUMBER.test(cell)) throw new GraphFileError(path, line, `"${cell.slice(0, 40)}" is not a number`);
    const i = indexOf(a);
    const j = indexOf(b);
    if (i === undefined || j === undefined) {
      out.skippedEdges++;
      return;
    }
    out.from.push(i);
    out.to.push(j);
    out.value.push(Number(cell));
  });
  return out;
}

registerTrafficErrors(GraphFileError);
