/**
 * Node drains (`convoy drain NODE`, POST /api/nodes/NODE/drain), after Ray's DrainNode (a reason and a
 * deadline) and `kubectl drain`. A drain marks the node's record (`draining`), which keeps new leases off it
 * and has its leases revoked (scheduler/leases.ts): each finishes its in-flight tasks, then comes back. Once
 * none is left, the node is told to finish what still runs (its actors' calls) and go; it answers Drained and
 * exits 0, and the head lists it dead, reason "drained". A deadline cuts this short: at it the node stops what
 * remains, and the owners retry those tasks elsewhere as after a worker death. The decision of each look is
 * scheduler/drain.ts; the drain lives in the node's record, so a restarted head carries it on.
 */
import { AmbiguousNodeError, IllegalStateError, UnknownNodeError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { drainStep } from '../../scheduler/drain.ts';
import { DRAINED_REASON, isDrainedReason, type DrainRequest } from '../api/head-api.ts';
import type { Drain } from '../proto/generated/convoy/v1/Drain.ts';
import type { EventHub } from './events.ts';
import type { LeaseManager } from './lease-manager.ts';
import type { NodeRecord, NodeTable } from './node-table.ts';

/** How often drains are looked at: how soon a node hears that its last lease came back. */
const LOOK_EVERY_MS = 250;

export interface NodeDrainsOptions {
  nodes: NodeTable;
  leases: Pick<LeaseManager, 'leases' | 'schedule'>;
  /** Writes the drain to the node's session stream; false when it has none now (it is tried again). */
  tell(nodeId: string, drain: Drain): boolean;
  events: Pick<EventHub, 'publish'>;
  log: Logger;
  now?: () => number;
}

export class NodeDrains {
  readonly #o: NodeDrainsOptions;
  readonly #now: () => number;
  /** What each node was last told, with the generation of its session: tell again only what changed. */
  readonly #told = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(o: NodeDrainsOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** Starts looking at drains (the head's start: records restored from a store may hold some). */
  watch(): void {
    this.#timer ??= setInterval(() => this.look(), LOOK_EVERY_MS);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Drains the node `query` names (see NodeTable.find). Draining a node again sets its new deadline; a node
   * that has drained already is returned as it is. Throws UnknownNodeError, AmbiguousNodeError, or
   * IllegalStateError for a node that died otherwise.
   */
  request(query: string, r: DrainRequest): NodeRecord {
    const match = this.#o.nodes.find(query);
    if (match.kind === 'none') throw new UnknownNodeError(query);
    if (match.kind === 'many') throw new AmbiguousNodeError(query, match.nodes.map((n) => n.nodeId));
    const node = match.node;
    if (!node.alive) {
      if (isDrainedReason(node.deadReason)) return node;
      throw new IllegalStateError(`node ${node.nodeId} is dead already (${node.deadReason ?? 'no reason known'}): there is nothing left to drain`);
    }
    const now = this.#now();
    const drain = {
      since: node.draining?.since ?? now,
      ...(r.deadlineS !== undefined ? { deadline: now + r.deadlineS * 1000 } : node.draining?.deadline !== undefined ? { deadline: node.draining.deadline } : {}),
      reason: r.reason || node.draining?.reason || 'convoy drain',
    };
    this.#o.nodes.setDraining(node.nodeId, drain);
    this.#o.log.info({ nodeId: node.nodeId, deadline: drain.deadline, reason: drain.reason }, node.draining ? 'node drain changed' : 'node draining');
    if (!node.draining) this.#o.events.publish({ type: 'node', nodeId: node.nodeId, state: 'draining', reason: drain.reason });
    this.#o.leases.schedule(); // revokes its leases now, not at the next lease request
    this.look();
    return this.#o.nodes.get(node.nodeId)!;
  }

  /** The node says it is done and leaving: ends its drain and returns the reason to list it dead with. */
  finished(nodeId: string, stoppedTasks: number): string {
    this.#o.nodes.setDraining(nodeId, undefined);
    this.#told.delete(nodeId);
    const reason = stoppedTasks > 0 ? `${DRAINED_REASON}: ${stoppedTasks} task(s) or actor call(s) still running were stopped, for their owners to retry` : DRAINED_REASON;
    this.#o.log.info({ nodeId, stoppedTasks }, 'node drained');
    return reason;
  }

  /** One look at every drain: revoke what is still held, tell nodes whose leases are back to go. */
  look(): void {
    const now = this.#now();
    for (const node of this.#o.nodes.draining()) {
      const drain = node.draining!;
      const leases = this.#o.leases.leases().filter((l) => l.nodeId === node.nodeId && !l.actor);
      const step = drainStep(drain, leases.length, now);
      if (step.kind === 'wait-for-leases') {
        // A lease granted before the drain (or restored by a restarted head) that no revoke has reached yet.
        if (leases.some((l) => !l.revoking)) this.#o.leases.schedule();
        continue;
      }
      const told = `${node.generation}:${step.kind}:${drain.deadline ?? ''}`;
      if (this.#told.get(node.nodeId) === told) continue;
      const message: Drain =
        step.kind === 'stop'
          ? { reason: drain.reason, hasDeadline: true, graceMs: 0 }
          : { reason: drain.reason, hasDeadline: step.graceMs !== undefined, graceMs: Math.max(0, Math.ceil(step.graceMs ?? 0)) };
      if (!this.#o.tell(node.nodeId, message)) continue;
      this.#told.set(node.nodeId, told);
      this.#o.log.info({ nodeId: node.nodeId, leasesLeft: leases.length, graceMs: message.hasDeadline ? message.graceMs : undefined }, step.kind === 'stop' ? 'drain deadline passed: node told to stop what remains' : 'node leases back: node told to finish and go');
    }
  }
}
