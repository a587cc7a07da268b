/** Parquet decoding with parquet-wasm into packed record batches (see packed-batches.ts). */
import { parseTable } from 'arrow-js-ffi';
import { readFileSync } from 'node:fs';
import { readParquet, wasmMemory, type Table as WasmTable } from 'parquet-wasm/node';
import type { DecodeReply, DecodeSource } from './codec-messages.ts';
import { checkFile } from '../integrity.ts';
import { packBatches, type PackedFile } from './packed-batches.ts';
import { asError, type DecodeSettings } from './encode.ts';

/**
 * Parquet file bytes → record batches of `batchSize` rows, packed into one transferable buffer
 * (see packed-batches.ts). The decoded arrays are read in place in WebAssembly memory and copied out once.
 */
export function decodeParquet(parquet: Uint8Array, settings: DecodeSettings, reuse?: ArrayBuffer): PackedFile {
  let table: WasmTable;
  try {
    table = readParquet(parquet, { batchSize: settings.batchSize, columns: settings.columns });
  } catch (error) {
    throw asError(error, 'decoding Parquet');
  }
  const ffi = table.intoFFI();
  try {
    // Views into Wasm memory, valid until `ffi` is freed; packBatches copies them out before that.
    const views = parseTable(wasmMemory().buffer, ffi.arrayAddrs(), ffi.schemaAddr(), false);
    return packBatches(views.batches, reuse);
  } finally {
    ffi.free();
  }
}

/** Reads the source (the first local path that exists), checks it against its commit record and decodes it. */
export function decodeFrom(source: DecodeSource, settings: DecodeSettings, reuse?: ArrayBuffer): DecodeReply {
  const checked = (bytes: Uint8Array): DecodeReply => {
    const damage = source.expect && checkFile(bytes, source.expect);
    return damage ? { damaged: damage } : decodeParquet(bytes, settings, reuse);
  };
  if ('bytes' in source) return checked(source.bytes);
  for (const path of source.paths) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    return checked(bytes);
  }
  return { missing: true };
}
