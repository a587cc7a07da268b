/**
 * Who still needs each object a client owns, the way Ray's reference counting decides when to free: live
 * ObjectRef instances in this process (counted up when made, down when the GC collects them, through a
 * FinalizationRegistry), unsettled tasks that take the object as an argument (it must outlive them), and refs
 * that left the process inside a value or result (kept until freed explicitly, since nobody here can see when
 * their holders let go). When the last of these goes, `onUnreferenced` hears the id once.
 *
 * Refs to objects another client owns are only borrowed: when the last task using one settles,
 * `onBorrowDone` lets the owner core drop its cached copy; only the owner frees them.
 */
import { onRefEscape } from '../objects/ref-walk.ts';
import { ObjectRef } from './object-ref.ts';
import type { TaskRecord } from './task-record.ts';

export interface ReferenceEvents {
  /** An object of ours that nothing holds any more. */
  onUnreferenced(id: string): void;
  /** A borrowed object no task of ours uses any more. */
  onBorrowDone(id: string): void;
}

export class ReferenceTable {
  /** Live ObjectRef instances per object in this process. */
  readonly #refs = new Map<string, number>();
  /** Unsettled tasks that take the object as an argument. */
  readonly #argUses = new Map<string, number>();
  /** Refs that left this process inside a result or value. */
  readonly #escaped = new Set<string>();
  readonly #gc = new FinalizationRegistry<string>((id) => this.#collected(id));
  readonly #offEscape: () => void;

  constructor(
    private readonly clientId: string,
    private readonly events: ReferenceEvents,
  ) {
    this.#offEscape = onRefEscape((ref) => {
      if (ref.owner === this.clientId) this.#escaped.add(ref.id);
    });
  }

  /** A new ObjectRef the user will hold: counted, and uncounted again when the GC collects it. */
  makeRef(id: string): ObjectRef {
    const ref = new ObjectRef(id, this.clientId);
    this.#refs.set(id, (this.#refs.get(id) ?? 0) + 1);
    this.#gc.register(ref, id);
    return ref;
  }

  /** The task's argument objects must outlive it (idempotent per task). */
  addUses(task: TaskRecord): void {
    if (task.usesHeld) return;
    task.usesHeld = true;
    for (const r of task.scan.refs) this.#argUses.set(r.id, (this.#argUses.get(r.id) ?? 0) + 1);
  }

  /** The task settled: its arguments no longer need to outlive it (idempotent per task). */
  endUses(task: TaskRecord): void {
    if (!task.usesHeld) return;
    task.usesHeld = false;
    for (const r of task.scan.refs) {
      const n = (this.#argUses.get(r.id) ?? 1) - 1;
      if (n > 0) {
        this.#argUses.set(r.id, n);
        continue;
      }
      this.#argUses.delete(r.id);
      if (r.owner !== this.clientId) this.events.onBorrowDone(r.id);
      else this.#check(r.id);
    }
  }

  /** Forgets what held the object (an explicit free): it is freed whatever references remain. */
  release(id: string): void {
    this.#refs.delete(id);
    this.#escaped.delete(id);
  }

  close(): void {
    this.#offEscape();
  }

  #collected(id: string): void {
    const n = (this.#refs.get(id) ?? 1) - 1;
    if (n > 0) return void this.#refs.set(id, n);
    this.#refs.delete(id);
    this.#check(id);
  }

  #check(id: string): void {
    if (this.#refs.has(id) || this.#argUses.has(id) || this.#escaped.has(id)) return;
    this.events.onUnreferenced(id);
  }
}
