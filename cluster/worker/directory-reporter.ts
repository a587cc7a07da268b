/**
 * Keeps the head's object directory current: every copy this node's store gains or loses is reported on the
 * node's session, batched per turn of the event loop (a batch of task results adds many objects at once).
 *
 * One of the "flush once per tick" batchers of issue 13: it moves onto cluster/transport/batched-writer.ts
 * when that lands.
 */
import type { NodeToHead } from '../proto/generated/convoy/v1/NodeToHead.ts';
import type { ObjectLocation } from '../proto/generated/convoy/v1/ObjectLocation.ts';

export class DirectoryReporter {
  #added: { loc: ObjectLocation; owner: string }[] = [];
  #removed: string[] = [];
  #flushScheduled = false;

  /** `write` sends on the node's current session, if it has one. */
  constructor(private readonly write: (msg: NodeToHead) => void) {}

  added(loc: ObjectLocation, owner: string): void {
    this.#added.push({ loc, owner });
    this.#scheduleFlush();
  }

  removed(objectId: string): void {
    this.#removed.push(objectId);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      const added = this.#added.splice(0);
      const removed = this.#removed.splice(0);
      if (added.length) this.write({ objectsAdded: { objects: added.map((a) => a.loc), owners: added.map((a) => a.owner) } });
      if (removed.length) this.write({ objectsRemoved: { objectIds: removed } });
    });
  }
}
