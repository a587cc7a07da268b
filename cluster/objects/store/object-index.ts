/**
 * The store's index: every object this node holds, where its bytes are right now, who pins it, and how
 * recently it was used (Ray's plasma `ObjectStore` table). A Map's insertion order is the recency order: a
 * touched entry is re-inserted at the end, so the oldest come first, which is all the LRU eviction policy
 * needs (eviction-policy.ts).
 */
import type { ObjectMemory } from './buffer-pool.ts';

export type ObjectPlace = 'memory' | 'spilling' | 'disk' | 'remote';

export interface ObjectInfo {
  readonly id: string;
  readonly size: number;
  readonly owner: string;
  /** A copy pulled from another node (the primary lives where it was made). */
  readonly secondary: boolean;
  readonly place: ObjectPlace;
  readonly pins: number;
}

/** The spill tier that holds a written copy of the object (objects are immutable: a copy stays valid). */
export type SpillCopy = 'disk' | 'overflow';

export interface Entry {
  readonly id: string;
  readonly size: number;
  readonly owner: string;
  readonly secondary: boolean;
  /** The bytes in memory; undefined while they live only in a spill tier. */
  mem: ObjectMemory | undefined;
  place: ObjectPlace;
  /** Where a written copy is; undefined when none is, or while one moves between tiers. */
  copy: SpillCopy | undefined;
  pins: number;
}

export class ObjectIndex {
  /** Insertion order is recency order. */
  readonly #entries = new Map<string, Entry>();

  get size(): number {
    return this.#entries.size;
  }

  get(id: string): Entry | undefined {
    return this.#entries.get(id);
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** Whether `e` is still the object under its id: not freed or replaced while I/O on it ran. */
  holds(e: Entry): boolean {
    return this.#entries.get(e.id) === e;
  }

  add(e: Entry): void {
    this.#entries.set(e.id, e);
  }

  remove(e: Entry): void {
    this.#entries.delete(e.id);
  }

  /** Marks `e` as the most recently used. */
  touch(e: Entry): void {
    this.#entries.delete(e.id);
    this.#entries.set(e.id, e);
  }

  /** Every entry, least recently used first. */
  values(): IterableIterator<Entry> {
    return this.#entries.values();
  }

  clear(): void {
    this.#entries.clear();
  }
}

export function info(e: Entry): ObjectInfo {
  return { id: e.id, size: e.size, owner: e.owner, secondary: e.secondary, place: e.place, pins: e.pins };
}
