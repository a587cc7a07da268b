/**
 * One entry from a lake URL to a storage backend: `s3://bucket/prefix` → {@link S3Storage}, anything else that
 * looks like a path (`./data/lake`, `/mnt/lake`, `file:///mnt/lake`) → {@link LocalStorage}.
 */
import { fileURLToPath } from 'node:url';
import { StorageOptionsError } from './errors.ts';
import { LocalStorage } from './local.ts';
import { S3Storage, type S3StorageOptions } from './s3.ts';
import type { ObjectStorage } from './types.ts';

export interface OpenStorageOptions {
  /** Settings for `s3://` URLs other than bucket and prefix (endpoint, region, path style, credentials, part sizes). */
  s3?: Omit<S3StorageOptions, 'bucket' | 'prefix'>;
}

export function openStorage(target: string | ObjectStorage, options: OpenStorageOptions = {}): ObjectStorage {
  if (typeof target !== 'string') return target;
  if (target.trim() === '') throw new StorageOptionsError('Storage URL is empty: give a folder path or s3://bucket/prefix.');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target)?.[1]?.toLowerCase();
  if (scheme === 's3') {
    if (/^s3:\/\/[^/]*@/i.test(target)) {
      // The URL itself is not echoed: the part before `@` is probably a secret.
      throw new StorageOptionsError('S3 URLs must not carry credentials (s3://KEY:SECRET@bucket); use options.s3.credentials or the AWS credential chain.');
    }
    const match = /^s3:\/\/([^/?#]+)\/?([^?#]*)$/i.exec(target);
    if (!match) throw new StorageOptionsError(`Cannot parse S3 URL ${JSON.stringify(target)}: expected s3://bucket/prefix.`);
    return new S3Storage({ ...options.s3, bucket: match[1]!, prefix: match[2] ?? '' });
  }
  if (scheme === 'file') return new LocalStorage(fileURLToPath(target));
  if (scheme !== undefined) {
    throw new StorageOptionsError(
      `Unsupported storage URL scheme ${JSON.stringify(scheme)} in ${JSON.stringify(target)}: use a folder path, file://… or s3://bucket/prefix (any S3-compatible endpoint via options.s3.endpoint).`,
    );
  }
  return new LocalStorage(target);
}
