/**
 * The owner's table of its objects: for each result or put, whether it is pending, ready (inline bytes or a
 * location in some node's store) or failed, and who is waiting for it. Ownership (as in Ray) keeps this off
 * the head: only the submitting process tracks its tasks' results.
 */
import type { ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';

export type ObjectState = 'pending' | 'ready' | 'failed';

export interface ObjectEntry {
  readonly id: string;
  state: ObjectState;
  /** Encoded value, when it travelled inline or was fetched here. */
  inline?: Uint8Array;
  /** Where the value lives when it stayed in a node's store. */
  location?: ObjectLocation__Output;
  error?: Error;
  waiters?: (() => void)[];
  /** Its only copy was on a node that died: rebuilt from lineage (or failed) when next needed. */
  lost?: string;
  /** Every reference was dropped while it was still pending: free it as soon as it settles. */
  orphan?: boolean;
}

export class OwnerObjectTable {
  readonly #entries = new Map<string, ObjectEntry>();

  create(id: string): ObjectEntry {
    const e: ObjectEntry = { id, state: 'pending' };
    this.#entries.set(id, e);
    return e;
  }

  get(id: string): ObjectEntry | undefined {
    return this.#entries.get(id);
  }

  resolveInline(id: string, bytes: Uint8Array): void {
    const e = this.#entries.get(id);
    if (!e || e.state !== 'pending') return;
    e.state = 'ready';
    e.inline = bytes;
    this.#wake(e);
  }

  resolveStored(id: string, location: ObjectLocation__Output): void {
    const e = this.#entries.get(id);
    if (!e || e.state !== 'pending') return;
    e.state = 'ready';
    e.location = location;
    this.#wake(e);
  }

  fail(id: string, error: Error): void {
    const e = this.#entries.get(id);
    if (!e || e.state !== 'pending') return;
    e.state = 'failed';
    e.error = error;
    this.#wake(e);
  }

  /** Back to pending (its copy was lost and it is being rebuilt). */
  reset(id: string): void {
    const e = this.#entries.get(id);
    if (!e) return;
    e.state = 'pending';
    e.inline = undefined;
    e.location = undefined;
    e.error = undefined;
    e.lost = undefined;
  }

  /** Resolves when the entry is no longer pending. */
  settled(e: ObjectEntry): Promise<void> {
    if (e.state !== 'pending') return Promise.resolve();
    return new Promise((resolve) => (e.waiters ??= []).push(resolve));
  }

  /** Calls `cb` once when the entry settles (synchronously if it already has). */
  onSettled(e: ObjectEntry, cb: () => void): void {
    if (e.state !== 'pending') cb();
    else (e.waiters ??= []).push(cb);
  }

  delete(id: string): ObjectEntry | undefined {
    const e = this.#entries.get(id);
    this.#entries.delete(id);
    return e;
  }

  *entries(): IterableIterator<ObjectEntry> {
    yield* this.#entries.values();
  }

  get size(): number {
    return this.#entries.size;
  }

  #wake(e: ObjectEntry): void {
    const w = e.waiters;
    e.waiters = undefined;
    if (w) for (const f of w) f();
  }
}
