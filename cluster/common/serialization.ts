/**
 * How values travel between processes: the structured-clone algorithm (v8.serialize) for ordinary values,
 * Arrow IPC for Arrow tables and record batches (so columns move as their buffers, and a reader can map them
 * without parsing row by row).
 *
 * The first byte tells the format apart: v8.serialize always starts with its version tag 0xFF; Arrow values
 * start with the ASCII marker "CVA" and a kind byte.
 */
import v8 from 'node:v8';
import { RecordBatch, Table, tableFromIPC, tableToIPC } from 'apache-arrow';

const ARROW_MAGIC = [0x43, 0x56, 0x41] as const; // "CVA"
const KIND_TABLE = 1;
const KIND_BATCH = 2;
const HEADER = 4;

export type EncodedValue = Uint8Array;

export function isArrowTable(v: unknown): v is Table {
  return v instanceof Table || (typeof v === 'object' && v !== null && v.constructor?.name === 'Table' && 'batches' in v && 'schema' in v);
}

export function isArrowBatch(v: unknown): v is RecordBatch {
  return (
    v instanceof RecordBatch ||
    (typeof v === 'object' && v !== null && v.constructor?.name === 'RecordBatch' && 'schema' in v && 'data' in v)
  );
}

export function encodeValue(value: unknown): EncodedValue {
  if (isArrowTable(value)) return withHeader(KIND_TABLE, tableToIPC(value, 'stream'));
  if (isArrowBatch(value)) return withHeader(KIND_BATCH, tableToIPC(new Table(value), 'stream'));
  return v8.serialize(value);
}

export function decodeValue(bytes: Uint8Array): unknown {
  if (bytes.length >= HEADER && bytes[0] === ARROW_MAGIC[0] && bytes[1] === ARROW_MAGIC[1] && bytes[2] === ARROW_MAGIC[2]) {
    // tableFromIPC reads column buffers as views over `bytes`: no copy of the data.
    const table = tableFromIPC(bytes.subarray(HEADER));
    return bytes[3] === KIND_BATCH ? (table.batches[0] ?? new RecordBatch(table.schema)) : table;
  }
  return v8.deserialize(bytes);
}

/** True when the encoded value is Arrow IPC (worth keeping in shared memory rather than copying). */
export function isEncodedArrow(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER && bytes[0] === ARROW_MAGIC[0] && bytes[1] === ARROW_MAGIC[1] && bytes[2] === ARROW_MAGIC[2];
}

function withHeader(kind: number, ipc: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + ipc.length);
  out.set(ARROW_MAGIC, 0);
  out[3] = kind;
  out.set(ipc, HEADER);
  return out;
}
