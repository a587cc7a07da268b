/**
 * How values travel between processes: the structured-clone algorithm (v8.serialize) for ordinary values,
 * Arrow IPC for Arrow tables and record batches, so columns move as their buffers and a reader maps them
 * without parsing row by row.
 *
 * The first byte tells the formats apart: v8.serialize always starts with its version tag 0xFF; Arrow values
 * start with an 8-byte header "CVA", kind, padding. Eight bytes keep the IPC body 8-byte aligned, which is
 * what lets `tableFromIPC` hand out typed-array views over the stored bytes instead of copying columns.
 */
import v8 from 'node:v8';
import { RecordBatch, RecordBatchStreamWriter, Table, tableFromIPC, tableToIPC } from 'apache-arrow';

const ARROW_MAGIC = [0x43, 0x56, 0x41] as const; // "CVA"
const KIND_TABLE = 1;
const KIND_BATCH = 2;
const HEADER = 8;

export function isArrowTable(v: unknown): v is Table {
  return v instanceof Table || (typeof v === 'object' && v !== null && v.constructor?.name === 'Table' && 'batches' in v && 'schema' in v);
}

export function isArrowBatch(v: unknown): v is RecordBatch {
  return (
    v instanceof RecordBatch ||
    (typeof v === 'object' && v !== null && v.constructor?.name === 'RecordBatch' && 'schema' in v && 'data' in v)
  );
}

/** `size` bytes of shared memory for an encoding: new by default; a pool thread passes memory its store lends. */
export type AllocateShared = (size: number) => Uint8Array;

export const newShared: AllocateShared = (size) => new Uint8Array(new SharedArrayBuffer(size));

/**
 * Encodes a value. When the encoding is at least `sharedAbove` bytes it lands in shared memory from
 * `allocate`, so the node's store and its pool threads can share it without copies. An Arrow table costs
 * exactly one copy: the IPC writer's chunks are views of the column buffers, gathered straight into the output.
 */
export function encodeValue(value: unknown, sharedAbove = Number.POSITIVE_INFINITY, allocate: AllocateShared = newShared): Uint8Array {
  if (isArrowTable(value)) return encodeArrow(KIND_TABLE, value, sharedAbove, allocate);
  if (isArrowBatch(value)) return encodeArrow(KIND_BATCH, new Table(value), sharedAbove, allocate);
  const bytes = v8.serialize(value);
  if (bytes.byteLength < sharedAbove) return bytes;
  const out = allocate(bytes.byteLength);
  out.set(bytes);
  return out;
}

export function decodeValue(bytes: Uint8Array): unknown {
  if (isEncodedArrow(bytes)) {
    // tableFromIPC reads column buffers as views over `bytes`: no copy of the data.
    const table = tableFromIPC(bytes.subarray(HEADER));
    return bytes[3] === KIND_BATCH ? (table.batches[0] ?? new RecordBatch(table.schema)) : table;
  }
  return v8.deserialize(bytes);
}

export function isEncodedArrow(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER && bytes[0] === ARROW_MAGIC[0] && bytes[1] === ARROW_MAGIC[1] && bytes[2] === ARROW_MAGIC[2];
}

export function toShared(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const out = newShared(bytes.byteLength);
  out.set(bytes);
  return out;
}

function encodeArrow(kind: number, table: Table, sharedAbove: number, allocate: AllocateShared): Uint8Array {
  const chunks = ipcChunks(table);
  let total = HEADER;
  for (const c of chunks) total += c.byteLength;
  const out = total >= sharedAbove ? allocate(total) : new Uint8Array(total);
  out.set(ARROW_MAGIC, 0);
  out[3] = kind;
  let off = HEADER;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/**
 * The IPC stream of a table as the writer produced it: a list of views over the original buffers. The writer
 * keeps them in its byte queue until read; reading them directly avoids its join, which would be a second
 * full copy. Falls back to tableToIPC if a future Arrow version keeps them elsewhere.
 */
function ipcChunks(table: Table): Uint8Array[] {
  const writer = RecordBatchStreamWriter.writeAll(table);
  const values = (writer as unknown as { _sink?: { _values?: unknown } })._sink?._values;
  if (Array.isArray(values) && values.every((v) => v instanceof Uint8Array)) return values as Uint8Array[];
  return [tableToIPC(table, 'stream')];
}
