/**
 * Keeps the head's object directory current: every copy this node's store gains or loses is reported on the
 * node's session, batched per turn of the event loop (a batch of task results adds many objects at once).
 */
import { BatchedWriter } from '../transport/batched-writer.ts';
import type { NodeToHead } from '../proto/generated/convoy/v1/NodeToHead.ts';
import type { ObjectLocation } from '../proto/generated/convoy/v1/ObjectLocation.ts';

type Change = { readonly added: ObjectLocation; readonly owner: string } | { readonly removed: string };

export class DirectoryReporter {
  readonly #changes: BatchedWriter<Change>;

  /** `write` sends on the node's current session, if it has one. */
  constructor(write: (msg: NodeToHead) => void) {
    this.#changes = new BatchedWriter<Change>({
      // 'immediate': the copies stored by every completion of one turn share a message.
      schedule: 'immediate',
      write: (batch) => {
        const added = batch.filter((c) => 'added' in c);
        const removed = batch.filter((c) => 'removed' in c).map((c) => c.removed);
        if (added.length) write({ objectsAdded: { objects: added.map((a) => a.added), owners: added.map((a) => a.owner) } });
        if (removed.length) write({ objectsRemoved: { objectIds: removed } });
      },
    });
  }

  added(loc: ObjectLocation, owner: string): void {
    this.#changes.push({ added: loc, owner });
  }

  removed(objectId: string): void {
    this.#changes.push({ removed: objectId });
  }
}
