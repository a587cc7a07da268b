/**
 * The second spill tier: objects whose local spill files pushed the folder past its limit move to an
 * ObjectStorage (S3 or any blob store of cluster/storage), one key per object under the node's prefix.
 */
import type { ObjectStorage } from '../../storage/types.ts';
import type { SpillTier } from './spill-tier.ts';

export class StorageTier implements SpillTier {
  readonly #prefix: string;

  constructor(
    readonly storage: ObjectStorage,
    prefix: string,
  ) {
    this.#prefix = prefix.replace(/\/+$/, '');
  }

  get name(): string {
    return this.storage.url;
  }

  locate(id: string): string {
    return `${this.#prefix}/${encodeURIComponent(id)}`;
  }

  write(id: string, bytes: Uint8Array): Promise<void> {
    return this.storage.put(this.locate(id), bytes);
  }

  async read(id: string, size: number, allocate: (size: number) => Uint8Array): Promise<Uint8Array> {
    const got = await this.storage.get(this.locate(id));
    if (!got) throw new Error(`spilled object ${id} is missing from ${this.name}`);
    if (got.byteLength !== size) throw new Error(`spilled object ${id} in ${this.name} has ${got.byteLength} of ${size} bytes`);
    const bytes = allocate(got.byteLength);
    bytes.set(got);
    return bytes;
  }

  delete(id: string): Promise<void> {
    return this.storage.delete(this.locate(id));
  }
}
