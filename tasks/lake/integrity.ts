/**
 * File integrity: each committed Parquet file's size and SHA-256 are in its commit record (commit.ts), and
 * every read checks them before decoding.
 *
 * Parquet's own answer, a CRC per page, is not available here: parquet-wasm 0.8 (the Rust `parquet` crate
 * 59.3 compiled to WebAssembly) exposes no writer property for page checksums (arrow-rs writes none: its page
 * headers carry no `crc` field), and its reader is built without the crate's `crc` feature, so it would not
 * verify them either. Without a check, 4 KiB overwritten in the middle of a file decoded to wrong values with
 * no error. A whole-file hash also covers the footer and the bytes between pages, which page CRCs do not.
 *
 * SHA-256 runs at ~1.2 GB/s with the SHA extensions of current x86 and ARM cores, a few per cent of a
 * file's decode time. Pure functions of bytes: they run in the codec threads next to the decoder.
 */
import { createHash } from 'node:crypto';

/** What a file must be, from its commit record. `sha256` is absent in records written before hashes were. */
export interface FileExpectation {
  bytes: number;
  sha256?: string;
}

/** How a file differs from its commit record. */
export type FileDamage =
  | { problem: 'size'; expectedBytes: number; actualBytes: number }
  | { problem: 'checksum'; expectedSha256: string; actualSha256: string };

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The damage, or undefined when the bytes are what the commit says (size only, for records without a hash). */
export function checkFile(bytes: Uint8Array, expect: FileExpectation): FileDamage | undefined {
  if (bytes.byteLength !== expect.bytes) return { problem: 'size', expectedBytes: expect.bytes, actualBytes: bytes.byteLength };
  if (expect.sha256 === undefined) return undefined;
  const actual = sha256Hex(bytes);
  return actual === expect.sha256 ? undefined : { problem: 'checksum', expectedSha256: expect.sha256, actualSha256: actual };
}

/** One clause for messages: what was found against what the commit says. */
export function describeDamage(damage: FileDamage): string {
  return damage.problem === 'size'
    ? `is ${damage.actualBytes} bytes, its commit says ${damage.expectedBytes} (${damage.actualBytes < damage.expectedBytes ? 'truncated' : 'grown or replaced'})`
    : `has SHA-256 ${damage.actualSha256.slice(0, 12)}…, its commit says ${damage.expectedSha256.slice(0, 12)}… (its bytes changed after it was written)`;
}
