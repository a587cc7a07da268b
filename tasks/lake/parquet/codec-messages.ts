/** Messages between the lake and its Parquet codec threads; one union on `type`. */
import type { FileDamage, FileExpectation } from '../integrity.ts';
import type { PackedFile } from './packed-batches.ts';
import type { DecodeSettings, EncodeSettings } from './encode.ts';

/**
 * Where a file to decode comes from: its bytes, or local paths the thread reads itself (first that exists),
 * and what its commit record says it is (checked before decoding).
 */
export type DecodeSource = ({ bytes: Uint8Array } | { paths: string[] }) & { expect?: FileExpectation };

export type CodecRequest =
  | { type: 'encode'; ipc: Uint8Array; settings: EncodeSettings }
  | { type: 'decode'; source: DecodeSource; settings: DecodeSettings; reuse?: ArrayBuffer }
  /** Keeps a started thread busy for `holdMs`, so that a warm-up reaches every thread. */
  | { type: 'warm-up'; holdMs: number };

/** Parquet bytes and their SHA-256, for the commit record. */
export interface EncodedFile {
  bytes: Uint8Array;
  sha256: string;
}

/**
 * Decode answers with the packed batches, `missing` when no path exists, or `damaged` when the bytes are not
 * those of the commit record (nothing is decoded then).
 */
export type DecodeReply = PackedFile | { missing: true } | { damaged: FileDamage };
