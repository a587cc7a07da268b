/**
 * A tiny self-describing file for named float32 arrays (model weights, optimiser moments).
 *
 * Layout: the 4 magic bytes `CVYT`, a little-endian uint32 header length, a UTF-8 JSON header
 * `{version, tensors: [{name, shape, offset, length}]}`, zero padding to a 4-byte boundary, then the float32
 * data. A truncated or foreign file is refused with the location and what was wrong, never half-loaded.
 */
import { CorruptArtifactError } from '../errors.ts';

export type NamedArrays = Map<string, { shape: number[]; data: Float32Array }>;

const MAGIC = 0x54595643; // "CVYT" read as little-endian uint32

interface Header {
  version: 1;
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
}

export function encodeTensors(arrays: NamedArrays): Uint8Array {
  const tensors: Header['tensors'] = [];
  let offset = 0;
  for (const [name, { shape, data }] of arrays) {
    tensors.push({ name, shape, offset, length: data.length });
    offset += data.length;
  }
  const header = new TextEncoder().encode(JSON.stringify({ version: 1, tensors } satisfies Header));
  const dataStart = Math.ceil((8 + header.length) / 4) * 4;
  const out = new Uint8Array(dataStart + offset * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  out.set(header, 8);
  const floats = new Float32Array(out.buffer, dataStart, offset);
  for (const t of tensors) floats.set(arrays.get(t.name)!.data, t.offset);
  return out;
}

export function decodeTensors(bytes: Uint8Array, location: string): NamedArrays {
  const fail = (problem: string): never => {
    throw new CorruptArtifactError(location, problem);
  };
  if (bytes.length < 8) fail(`only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) fail('not a Convoy tensor file (bad magic)');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) fail('truncated header');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Header;
  } catch (err) {
    throw new CorruptArtifactError(location, 'header is not JSON', { cause: err });
  }
  if (header?.version !== 1 || !Array.isArray(header.tensors)) fail('unknown header version');
  const dataStart = Math.ceil((8 + headerLength) / 4) * 4;
  const total = header.tensors.reduce((s, t) => Math.max(s, t.offset + t.length), 0);
  if (dataStart + total * 4 > bytes.length) {
    fail(`truncated data: ${bytes.length} bytes, header describes ${dataStart + total * 4}`);
  }
  // Copy into an aligned buffer: the input may sit at any byte offset of a larger buffer.
  const floats = new Float32Array(total);
  new Uint8Array(floats.buffer).set(bytes.subarray(dataStart, dataStart + total * 4));
  const out: NamedArrays = new Map();
  for (const t of header.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.length) fail(`tensor "${t.name}" shape [${t.shape}] does not hold ${t.length} values`);
    out.set(t.name, { shape: t.shape, data: floats.subarray(t.offset, t.offset + t.length) });
  }
  return out;
}
