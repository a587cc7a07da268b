/**
 * A node's object store: task results too large to travel inline, `put` values, and copies pulled from
 * other nodes. Values are kept as encoded bytes; large ones live in SharedArrayBuffers so pool threads read
 * them without a copy.
 */
export interface StoredObject {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly owner: string;
  readonly size: number;
  /** True for a copy fetched from another node (the primary copy lives elsewhere). */
  readonly secondary: boolean;
}

export interface StoreStats {
  objects: number;
  usedBytes: number;
  spilledBytes: number;
  budgetBytes: number;
}

export class ObjectStore {
  readonly #objects = new Map<string, StoredObject>();
  #used = 0;

  constructor(readonly budgetBytes: number) {}

  put(id: string, bytes: Uint8Array, owner: string, secondary = false): StoredObject {
    const prev = this.#objects.get(id);
    if (prev) this.#used -= prev.size;
    const obj: StoredObject = { id, bytes, owner, size: bytes.byteLength, secondary };
    this.#objects.set(id, obj);
    this.#used += obj.size;
    return obj;
  }

  get(id: string): Uint8Array | undefined {
    return this.#objects.get(id)?.bytes;
  }

  has(id: string): boolean {
    return this.#objects.has(id);
  }

  delete(id: string): boolean {
    const obj = this.#objects.get(id);
    if (!obj) return false;
    this.#objects.delete(id);
    this.#used -= obj.size;
    return true;
  }

  /** Drops every object owned by `owner` (the owner disconnected: nobody can reference them any more). */
  deleteOwnedBy(owner: string): string[] {
    const gone: string[] = [];
    for (const obj of this.#objects.values()) {
      if (obj.owner === owner) {
        this.delete(obj.id);
        gone.push(obj.id);
      }
    }
    return gone;
  }

  stats(): StoreStats {
    return { objects: this.#objects.size, usedBytes: this.#used, spilledBytes: 0, budgetBytes: this.budgetBytes };
  }

  close(): void {
    this.#objects.clear();
    this.#used = 0;
  }
}
