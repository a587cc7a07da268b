/**
 * Where an object's bytes go when the store's memory is full, and come back from on access (Ray's
 * `external_storage`: filesystem or S3). One copy per object id; objects are immutable, so a copy written
 * once stays valid until the object is freed. The store decides what goes where (spiller.ts): the local
 * folder first (disk-tier.ts), then, past its limit, an ObjectStorage such as S3 (storage-tier.ts).
 */
export interface SpillTier {
  /** Names the tier in messages (a folder, a storage URL). */
  readonly name: string;
  /** Where `id`'s copy lives in this tier (a file path, a key), for messages. */
  locate(id: string): string;
  /** Writes `id`'s bytes (replacing any copy there). */
  write(id: string, bytes: Uint8Array): Promise<void>;
  /** Reads `id`'s `size` bytes back into a buffer from `allocate`; rejects when the copy is missing or short. */
  read(id: string, size: number, allocate: (size: number) => Uint8Array): Promise<Uint8Array>;
  delete(id: string): Promise<void>;
}
