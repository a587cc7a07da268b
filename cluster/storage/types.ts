/**
 * A flat key → bytes store: a local folder or an S3 bucket prefix.
 *
 * The lake, the model registry and the object store's second-tier spill all sit on this one interface, so
 * "works on S3" is proven once. Keys are `/`-separated relative paths (`date=2026-01-01/city=oslo/part-0.parquet`);
 * implementations map them to files or object keys under their root.
 */
export interface ObjectStorage {
  /** Human-readable root, e.g. `/data/lake` or `s3://bucket/prefix`. Never contains credentials. */
  readonly url: string;
  /**
   * Writes `body` at `key` atomically: readers see the old object or the whole new one, never a prefix.
   * Local: write to a temporary file in the same folder, then rename. S3: a single PUT, or multipart above a
   * size threshold (S3 makes the object visible only when the upload completes).
   */
  put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<void>;
  /** Whole object, or `undefined` when the key does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** A byte range [start, end) of an object, for reading Parquet footers and row groups without the whole file. */
  getRange(key: string, start: number, end: number): Promise<Uint8Array>;
  /** Size in bytes, or `undefined` when absent. */
  size(key: string): Promise<number | undefined>;
  /** Keys under `prefix` (recursive), in lexicographic order. */
  list(prefix?: string): AsyncIterable<{ key: string; size: number }>;
  /** Deletes a key; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Moves an object to a new key, replacing any object there; readers of `to` see the old object or the whole
   * moved one. Local: one rename. S3: a server-side copy, then a delete of `from` (no bytes through the client).
   * Optional so that simple backends can be written; callers fall back to get + put + delete.
   * Throws `ObjectNotFoundError` when `from` does not exist.
   */
  move?(from: string, to: string): Promise<void>;
  /**
   * The local file holding `key`, for backends whose objects are plain files, so that another thread can read
   * it directly instead of receiving its bytes. Optional; remote backends leave it out.
   */
  filePath?(key: string): string;
  close?(): Promise<void>;
}
