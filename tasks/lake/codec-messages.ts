/** Messages between the lake and its Parquet codec threads; one union on `type`. */
import type { PackedFile } from './packed-batches.ts';
import type { DecodeSettings, EncodeSettings } from './parquet-codec.ts';

/** Where a file to decode comes from: its bytes, or local paths the thread reads itself (first that exists). */
export type DecodeSource = { bytes: Uint8Array } | { paths: string[] };

export type CodecRequest =
  | { type: 'encode'; ipc: Uint8Array; settings: EncodeSettings }
  | { type: 'decode'; source: DecodeSource; settings: DecodeSettings; reuse?: ArrayBuffer }
  /** Keeps a started thread busy for `holdMs`, so that a warm-up reaches every thread. */
  | { type: 'warm-up'; holdMs: number };

/** Encode answers with Parquet bytes; decode with the packed batches, or `missing` when no path exists. */
export type DecodeReply = PackedFile | { missing: true };
