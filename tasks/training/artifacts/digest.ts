/**
 * Size and SHA-256 of an artifact's binary half (checkpoint state, model weights), kept in its JSON manifest
 * (`meta.json`, `model.json`) and checked when the binary is loaded: a truncated file fails the tensor-file
 * checks, but bytes overwritten in place would otherwise load as wrong weights without an error.
 * Manifests written before digests existed have none; their files load unverified, as they always did.
 */
import { createHash } from 'node:crypto';
import { CorruptArtifactError } from '../errors.ts';

export interface ArtifactDigest {
  bytes: number;
  sha256: string;
}

export function digestOf(bytes: Uint8Array): ArtifactDigest {
  return { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Reads a digest from a parsed manifest field; undefined when absent (an older manifest). */
export function parseDigest(value: unknown, location: string, manifest: string): ArtifactDigest | undefined {
  if (value === undefined) return undefined;
  const v = value as Partial<ArtifactDigest> | null;
  if (!Number.isInteger(v?.bytes) || typeof v?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(v.sha256)) {
    throw new CorruptArtifactError(location, `${manifest} has a malformed digest (want {"bytes": n, "sha256": 64 hex digits})`);
  }
  return { bytes: v.bytes!, sha256: v.sha256 };
}

/** Throws a CorruptArtifactError naming `location` when `bytes` are not those `expected` describes. */
export function assertDigest(bytes: Uint8Array, expected: ArtifactDigest | undefined, location: string, manifest: string): void {
  if (expected === undefined) return;
  if (bytes.byteLength !== expected.bytes) {
    throw new CorruptArtifactError(location, `it is ${bytes.byteLength} bytes, ${manifest} says ${expected.bytes} (${bytes.byteLength < expected.bytes ? 'truncated' : 'grown or replaced'})`);
  }
  const actual = digestOf(bytes).sha256;
  if (actual !== expected.sha256) {
    throw new CorruptArtifactError(location, `its SHA-256 is ${actual.slice(0, 12)}…, ${manifest} says ${expected.sha256.slice(0, 12)}… (its bytes changed after it was saved)`);
  }
}
