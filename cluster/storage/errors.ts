/**
 * Failures of an {@link ObjectStorage} backend.
 *
 * Messages name the storage root and key (never credentials: roots are `s3://bucket/prefix` or a folder) and
 * keep the backend's own error as `cause`, so a caller can tell "the key was wrong" from "the network failed".
 */

/** A key that cannot name an object: empty, absolute, with `..`/`.` segments, backslashes or control characters. */
export class InvalidKeyError extends Error {
  override readonly name = 'InvalidKeyError';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(
      `Invalid storage key ${JSON.stringify(key)}: ${reason}. ` +
        'Keys are relative `/`-separated paths such as `date=2026-01-01/city=oslo/part-0.parquet`.',
    );
  }
}

/** An operation that needs an existing object (a byte range, a move) found none at `key`. */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  constructor(
    readonly storageUrl: string,
    readonly key: string,
    readonly operation: string,
  ) {
    super(`${operation}: no object at ${joinUrl(storageUrl, key)}.`);
  }
}

/** A backend operation failed (I/O error, S3 answered an error, the endpoint was unreachable). */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly storageUrl: string,
    readonly operation: string,
    readonly key: string | undefined,
    options: { cause: unknown; hint?: string },
  ) {
    const where = key === undefined ? storageUrl : joinUrl(storageUrl, key);
    const causeMessage = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`${operation} failed for ${where}: ${causeMessage}${options.hint ? `. ${options.hint}` : ''}`, {
      cause: options.cause,
    });
  }
}

/** Invalid storage options or URL, caught at the edge before any I/O. */
export class StorageOptionsError extends TypeError {
  override readonly name = 'StorageOptionsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function joinUrl(root: string, key: string): string {
  return root.endsWith('/') ? `${root}${key}` : `${root}/${key}`;
}
