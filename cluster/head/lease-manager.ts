/**
 * Leases: a client asks for N slots of a resource shape; the head places them (scheduler/leases.ts), reserves
 * the resources, and tells the client which nodes to push tasks to. Scheduling decisions are per lease, not per
 * task. Demands that no node can ever satisfy stay queued with a warning, visible in `convoy status`.
 *
 * Granted leases are records in the control store's `leases` table. Waiting demands are not: they belong to
 * a live session (a client that detaches has its demands dropped and repeats them when it comes back), so
 * they stay here, in memory.
 */
import { randomId } from '../common/ids.ts';
import type { Logger } from '../common/logger.ts';
import { scheduleDemands, type Demand, type Holding } from '../../scheduler/leases.ts';
import type { PlacementStrategy } from '../../scheduler/placement/types.ts';
import type { ResourceVector } from '../../scheduler/resources.ts';
import type { NodeTable } from './node-table.ts';
import type { Table } from './control/control-store.ts';
import type { LeaseRecord } from './control/records.ts';
import type { LeaseDemand } from '../proto/convert.ts';
import type { BundleRef } from '../../scheduler/placement-groups.ts';
import type { PlacementGroupTable } from './placement-group-table.ts';

export type { LeaseRecord };

export interface DemandRecord {
  readonly id: string;
  readonly clientId: string;
  readonly requestId: number;
  readonly resources: ResourceVector;
  remaining: number;
  readonly strategy: PlacementStrategy;
  readonly preferredNodes: readonly string[];
  readonly actor: boolean;
  readonly description: string;
  /** Work placed into a placement group's bundle. */
  readonly bundle?: BundleRef;
  readonly since: number;
  infeasible?: string;
  waiting?: string;
}

/** How the lease manager talks back to clients; the head wires it to their session streams. */
export interface LeaseEvents {
  granted(clientId: string, requestId: number, leases: LeaseRecord[]): void;
  infeasible(clientId: string, requestId: number, reason: string): void;
  revoke(clientId: string, leaseIds: string[]): void;
}

export class LeaseManager {
  readonly #demands = new Map<string, DemandRecord>();
  #scheduled = false;
  #rotation = 0;

  constructor(
    private readonly nodes: NodeTable,
    private readonly leaseTable: Table<LeaseRecord>,
    private readonly events: LeaseEvents,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** Placement groups, when the head has them: their bundles are placed before leases each round. */
    private readonly groups?: PlacementGroupTable,
  ) {}

  request(clientId: string, r: LeaseDemand): void {
    const id = `${clientId}/${r.requestId}`;
    const prev = this.#demands.get(id);
    if (r.count <= 0) {
      this.#demands.delete(id);
      return;
    }
    this.#demands.set(id, {
      id,
      clientId,
      requestId: r.requestId,
      resources: r.resources,
      remaining: r.count,
      strategy: r.strategy,
      preferredNodes: r.preferredNodes,
      actor: r.actor,
      description: r.description,
      ...(r.bundle ? { bundle: r.bundle } : {}),
      since: prev?.since ?? this.now(),
      infeasible: prev?.infeasible,
    });
    this.schedule();
  }

  cancel(clientId: string, requestId: number): void {
    this.#demands.delete(`${clientId}/${requestId}`);
  }

  /** A client hands leases back (idle, or after a revoke). Unknown or foreign ids are ignored. */
  release(clientId: string, leaseIds: readonly string[]): void {
    for (const id of leaseIds) {
      const l = this.leaseTable.get(id);
      if (!l || l.clientId !== clientId) continue;
      this.leaseTable.delete(id);
      this.#give(l);
    }
    this.schedule();
  }

  /** What a lease held goes back: to its node, or (in a bundle) to the bundle, which keeps its GPUs. */
  #give(l: LeaseRecord): void {
    this.nodes.release(l.nodeId, l.reserved ?? l.resources, l.bundle ? [] : l.gpuIds);
  }

  /**
   * Removes a placement group (its owner asked, or went): the leases in its bundles are taken back at once
   * (their clients are told, as for a revoke; what runs there finishes with no resources held for it), then
   * its bundles go back to their nodes.
   */
  removeGroup(groupId: string, reason: string): boolean {
    if (!this.groups?.get(groupId)) return false;
    const byClient = new Map<string, string[]>();
    for (const l of this.leaseTable.list()) {
      if (l.bundle?.groupId !== groupId) continue;
      this.leaseTable.delete(l.leaseId);
      this.#give(l);
      byClient.set(l.clientId, [...(byClient.get(l.clientId) ?? []), l.leaseId]);
    }
    for (const [clientId, ids] of byClient) this.events.revoke(clientId, ids);
    this.groups.remove(groupId, reason);
    this.schedule();
    return true;
  }

  /** Drops a client's waiting demands (its session broke; it repeats them when it reconnects). */
  cancelDemands(clientId: string): void {
    for (const [id, d] of this.#demands) if (d.clientId === clientId) this.#demands.delete(id);
  }

  clientGone(clientId: string): void {
    for (const [id, d] of this.#demands) if (d.clientId === clientId) this.#demands.delete(id);
    this.release(clientId, this.leaseTable.list().filter((l) => l.clientId === clientId).map((l) => l.leaseId));
    for (const g of this.groups?.ownedBy(clientId) ?? []) this.removeGroup(g.groupId, 'its owner has gone');
  }

  /** The node is gone: its leases vanish with it (its resources went too). Returns the affected leases. */
  nodeDead(nodeId: string): LeaseRecord[] {
    const gone = this.leaseTable.list().filter((l) => l.nodeId === nodeId);
    for (const l of gone) this.leaseTable.delete(l.leaseId);
    this.groups?.nodeDead(nodeId);
    this.schedule();
    return gone;
  }

  /** Coalesces scheduling to once per turn of the event loop, however many requests arrived. */
  /** Schedules a round (a group was created, or a node's resources changed). */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#run();
    });
  }

  #run(): void {
    // Groups first: a gang reserved all or nothing goes before single leases that could split its room.
    this.groups?.place();
    // With no demand waiting, only a draining node's leases can need revoking.
    if (this.#demands.size === 0 && this.nodes.draining().length === 0) return;
    const demands: Demand[] = [];
    const asked = new Map<string, ResourceVector>();
    for (const d of this.#demands.values()) {
      let resources = d.resources;
      if (d.bundle) {
        const ask = this.groups?.translate(d.bundle, d.resources) ?? { kind: 'infeasible' as const, reason: 'this head has no placement groups' };
        if (ask.kind === 'wait') {
          d.waiting = ask.reason;
          d.infeasible = undefined;
          continue;
        }
        if (ask.kind === 'infeasible') {
          this.#tellInfeasible(d, ask.reason);
          continue;
        }
        resources = ask.resources;
      }
      asked.set(d.id, resources);
      demands.push({
        id: d.id,
        clientId: d.clientId,
        resources,
        remaining: d.remaining,
        strategy: d.strategy,
        preferredNodes: d.preferredNodes,
        actor: d.actor,
      });
    }
    const holdings: Holding[] = this.leaseTable.list().map((l) => ({
      leaseId: l.leaseId,
      clientId: l.clientId,
      nodeId: l.nodeId,
      resources: l.resources,
      actor: l.actor,
      revoking: l.revoking,
    }));
    const outcome = scheduleDemands(demands, this.nodes.views(), holdings, this.#rotation++);

    const grantsByDemand = new Map<string, LeaseRecord[]>();
    for (const g of outcome.grants) {
      const d = this.#demands.get(g.demandId)!;
      const reserved = asked.get(d.id)!;
      let gpuIds = this.nodes.reserve(g.nodeId, reserved);
      if (d.bundle) gpuIds = this.groups!.gpuIdsFor(d.bundle, g.nodeId, d.resources.gpu ?? 0, this.leaseTable.list());
      const lease: LeaseRecord = {
        leaseId: `L${randomId(5)}`,
        clientId: d.clientId,
        nodeId: g.nodeId,
        resources: d.resources,
        ...(d.bundle ? { bundle: d.bundle, reserved } : {}),
        gpuIds,
        actor: d.actor,
        revoking: false,
        grantedAt: this.now(),
      };
      this.leaseTable.put(lease.leaseId, lease);
      d.remaining--;
      d.infeasible = undefined;
      let list = grantsByDemand.get(d.id);
      if (!list) grantsByDemand.set(d.id, (list = []));
      list.push(lease);
    }
    for (const [demandId, leases] of grantsByDemand) {
      const d = this.#demands.get(demandId)!;
      if (d.remaining <= 0) this.#demands.delete(demandId);
      this.events.granted(d.clientId, d.requestId, leases);
    }
    for (const [demandId, reason] of outcome.infeasible) {
      const d = this.#demands.get(demandId);
      if (d) this.#tellInfeasible(d, reason);
    }
    for (const [demandId, reason] of outcome.waiting) {
      const d = this.#demands.get(demandId);
      if (d) d.waiting = reason;
    }
    const revokeByClient = new Map<string, string[]>();
    for (const leaseId of outcome.revoke) {
      const l = this.leaseTable.get(leaseId);
      if (!l) continue;
      l.revoking = true;
      this.leaseTable.put(leaseId, l);
      let list = revokeByClient.get(l.clientId);
      if (!list) revokeByClient.set(l.clientId, (list = []));
      list.push(leaseId);
    }
    for (const [clientId, ids] of revokeByClient) this.events.revoke(clientId, ids);
  }

  #tellInfeasible(d: DemandRecord, reason: string): void {
    if (d.infeasible === reason) return;
    d.infeasible = reason;
    this.log.warn({ clientId: d.clientId, description: d.description, reason }, 'infeasible resource request');
    this.events.infeasible(d.clientId, d.requestId, reason);
  }

  demands(): DemandRecord[] {
    return [...this.#demands.values()];
  }

  leases(): LeaseRecord[] {
    return this.leaseTable.list();
  }
}
