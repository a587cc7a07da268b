/**
 * Waits for a task's ObjectRef arguments, then encodes them (Ray's `dependency_resolver`): a task is sent only
 * once everything it takes exists somewhere, so a worker slot never sits waiting on another task. While
 * waiting it also learns where the argument bytes are, and names the node holding most of them, so the
 * submitter can run the task there (moving the task is cheaper than moving the data).
 *
 * A failed dependency fails the task with the dependency's error, as Ray does. Actor calls and an actor's
 * constructor arguments resolve through the same path.
 */
import type { ObjectRef } from './object-ref.ts';
import type { ObjectEntry } from './owner-objects.ts';
import { encodeArgs } from './args.ts';
import { isSettled, type TaskRecord } from './task-record.ts';

/** Where the resolver finds arguments: the owner object table and client objects (client-objects.ts). */
export interface ArgumentSource {
  /** The entry for a ref, starting its lookup or rebuild when needed. */
  entryFor(ref: ObjectRef): ObjectEntry;
  /** Calls `cb` once when the entry settles (at once if it has). */
  onSettled(e: ObjectEntry, cb: () => void): void;
  /** An object's encoded bytes, fetched from its node when not held here. */
  fetchBytes(e: ObjectEntry): Promise<Uint8Array>;
}

export class DependencyResolver {
  constructor(private readonly source: ArgumentSource) {}

  /**
   * Calls `next` once the task's arguments are ready and encoded in `task.args`, or `onFail` with the first
   * failed dependency's error (or the encoding's). Neither is called for a task settled meanwhile.
   */
  whenReady(task: TaskRecord, next: () => void, onFail: (err: Error) => void): void {
    const { source } = this;
    const entries = task.scan.refs.map((r) => source.entryFor(r));
    let left = entries.length;
    const go = () => {
      if (isSettled(task)) return;
      const failed = entries.find((e) => e.state === 'failed');
      if (failed) return onFail(failed.error!);
      task.preferredNode = preferredNode(entries);
      encodeArgs(task.rawArgs, task.scan, (r) => source.entryFor(r), (e) => source.fetchBytes(e)).then(
        (args) => {
          if (isSettled(task)) return;
          task.args = args;
          next();
        },
        (err) => onFail(err as Error),
      );
    };
    if (left === 0) return go();
    for (const e of entries) source.onSettled(e, () => --left === 0 && go());
  }
}

/** The node holding the most argument bytes: moving the task there is cheaper than moving the data. */
export function preferredNode(entries: readonly ObjectEntry[]): string {
  const bytes = new Map<string, number>();
  for (const e of entries) {
    if (e.location && !e.inline) bytes.set(e.location.nodeId, (bytes.get(e.location.nodeId) ?? 0) + Number(e.location.size));
  }
  let best = '';
  let most = 0;
  for (const [node, n] of bytes) if (n > most) [best, most] = [node, n];
  return best;
}
