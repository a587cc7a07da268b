/**
 * The head's placement groups (Ray's GcsPlacementGroupManager): each group's bundles are reserved on nodes all
 * or nothing (scheduler/placement-groups.ts decides where), then offered to the group's work as resources of
 * those nodes that only it may ask for. A group that cannot be placed waits with a reason (`convoy status`,
 * the dashboard); one whose node dies has the lost bundles placed again; removing a group, or its owner
 * going, gives its bundles back.
 *
 * Groups are records in the control store's `placementGroups` table, so a restarted head keeps them and the
 * resources their bundles hold (the nodes' records keep `groups`). Leases are the lease manager's: it asks
 * here what work in a bundle may ask for (`translate`), and tears a group's leases down before `remove`.
 */
import { formatVector, type ResourceVector } from '../../scheduler/resources.ts';
import { bundleMismatch, bundleResources, inBundle, placeGroup, placeLostBundles, type BundleRef, type GroupStrategy } from '../../scheduler/placement-groups.ts';
import type { Logger } from '../common/logger.ts';
import type { PlacementGroupInfo } from '../api/head-api.ts';
import type { Table } from './control/control-store.ts';
import type { LeaseRecord, PlacementGroupRecord } from './control/records.ts';
import type { NodeTable } from './node-table.ts';

export interface GroupSpec {
  readonly groupId: string;
  readonly name: string;
  readonly strategy: GroupStrategy;
  readonly bundles: readonly ResourceVector[];
}

/** How the table tells the group's owner (and the dashboard's feed) what became of a group. */
export interface GroupEvents {
  changed(group: PlacementGroupRecord): void;
  removed(group: PlacementGroupRecord, reason: string): void;
  warning(message: string): void;
}

/** What work asking for a bundle gets from the lease scheduler. */
export type BundleAsk =
  | { readonly kind: 'ready'; readonly resources: ResourceVector }
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'infeasible'; readonly reason: string };

export class PlacementGroupTable {
  constructor(
    private readonly nodes: NodeTable,
    private readonly table: Table<PlacementGroupRecord>,
    private readonly events: GroupEvents,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A client asks for a group. Asking again for the same id (a client that reconnected, not knowing whether
   * the head got it) answers with the group as it stands.
   */
  create(clientId: string, jobId: string, spec: GroupSpec): PlacementGroupRecord {
    const known = this.table.get(spec.groupId);
    if (known) {
      this.events.changed(known);
      return known;
    }
    const group: PlacementGroupRecord = {
      groupId: spec.groupId,
      name: spec.name,
      clientId,
      jobId,
      strategy: spec.strategy,
      bundles: spec.bundles.map((b) => ({ ...b })),
      state: 'PENDING',
      nodes: spec.bundles.map(() => ''),
      gpuIds: spec.bundles.map(() => []),
      reason: 'waiting for the scheduler',
      createdAt: this.now(),
    };
    this.table.put(group.groupId, group);
    this.log.info({ groupId: group.groupId, strategy: group.strategy, bundles: group.bundles.length }, 'placement group created');
    return group;
  }

  get(groupId: string): PlacementGroupRecord | undefined {
    return this.table.get(groupId);
  }

  /** Places every group still waiting for bundles, oldest first; called before leases are scheduled. */
  place(): void {
    const waiting = this.table.list().filter((g) => g.state !== 'CREATED').sort((a, b) => a.createdAt - b.createdAt);
    for (const g of waiting) this.#placeOne(g);
  }

  #placeOne(g: PlacementGroupRecord): void {
    const request = { bundles: g.bundles, strategy: g.strategy };
    const kept = g.nodes.map((n) => n || undefined);
    const p = kept.every((n) => n === undefined) ? placeGroup(request, this.nodes.views()) : placeLostBundles(request, kept, this.nodes.views());
    if (p.kind !== 'placed') {
      const infeasible = p.kind === 'infeasible';
      if (g.reason === p.reason && (g.infeasible ?? false) === infeasible) return;
      g.reason = p.reason;
      g.infeasible = infeasible;
      this.table.put(g.groupId, g);
      if (infeasible) this.events.warning(`placement group ${describe(g)} cannot be placed: ${p.reason}`);
      this.events.changed(g);
      return;
    }
    p.nodes.forEach((nodeId, i) => {
      if (g.nodes[i]) return;
      g.gpuIds[i] = this.nodes.reserve(nodeId, g.bundles[i]!);
      this.nodes.changeGroupResources(nodeId, bundleResources(g.groupId, i, g.bundles[i]!), true);
      g.nodes[i] = nodeId;
    });
    g.state = 'CREATED';
    delete g.reason;
    delete g.infeasible;
    g.placedAt = this.now();
    this.table.put(g.groupId, g);
    this.log.info({ groupId: g.groupId, nodes: g.nodes }, 'placement group placed');
    this.events.changed(g);
  }

  /** What work asking for `bundle` may ask the lease scheduler for, or why it must wait or cannot run. */
  translate(bundle: BundleRef, resources: ResourceVector): BundleAsk {
    const g = this.table.get(bundle.groupId);
    if (!g) return { kind: 'infeasible', reason: `placement group ${bundle.groupId} does not exist (it was removed, or its owner has gone)` };
    const mismatch = bundleMismatch(bundle, g.bundles, resources);
    if (mismatch) return { kind: 'infeasible', reason: mismatch };
    const placed = bundle.index >= 0 ? g.nodes[bundle.index] !== '' : g.nodes.some((n) => n !== '');
    if (!placed) return { kind: 'wait', reason: `waiting for placement group ${describe(g)} to be placed: ${g.reason ?? 'not placed yet'}` };
    return { kind: 'ready', resources: inBundle(bundle, resources) };
  }

  /**
   * The GPU indices a lease in `bundle` on `nodeId` gets: from those its bundles there hold, first the ones no
   * other lease of the group holds. A fraction of a GPU shares the first.
   */
  gpuIdsFor(bundle: BundleRef, nodeId: string, wanted: number, leases: readonly LeaseRecord[]): number[] {
    const g = this.table.get(bundle.groupId);
    if (!g || wanted <= 0) return [];
    const held = g.nodes.flatMap((n, i) => (n === nodeId && (bundle.index < 0 || bundle.index === i) ? g.gpuIds[i]! : []));
    if (wanted < 1) return held.slice(0, 1);
    const taken = new Set(leases.filter((l) => l.bundle?.groupId === g.groupId && l.nodeId === nodeId).flatMap((l) => l.gpuIds));
    return [...held.filter((id) => !taken.has(id)), ...held.filter((id) => taken.has(id))].slice(0, Math.floor(wanted));
  }

  /** Gives a group's bundles back and forgets it. Its leases must be gone already (the lease manager's). */
  remove(groupId: string, reason: string): PlacementGroupRecord | undefined {
    const g = this.table.get(groupId);
    if (!g) return undefined;
    g.nodes.forEach((nodeId, i) => {
      if (!nodeId) return;
      this.nodes.release(nodeId, g.bundles[i]!, g.gpuIds[i]!);
      this.nodes.changeGroupResources(nodeId, bundleResources(g.groupId, i, g.bundles[i]!), false);
    });
    this.table.delete(groupId);
    this.log.info({ groupId, reason }, 'placement group removed');
    this.events.removed(g, reason);
    return g;
  }

  /** The groups a client created. */
  ownedBy(clientId: string): PlacementGroupRecord[] {
    return this.table.list().filter((g) => g.clientId === clientId);
  }

  /** A node died: the bundles it held are to be placed again (the others keep their nodes). */
  nodeDead(nodeId: string): void {
    for (const g of this.table.list()) {
      if (!g.nodes.includes(nodeId)) continue;
      g.nodes = g.nodes.map((n) => (n === nodeId ? '' : n));
      g.gpuIds = g.gpuIds.map((ids, i) => (g.nodes[i] ? ids : []));
      g.state = 'RESCHEDULING';
      g.reason = `node ${nodeId} holding some of its bundles died; placing them again`;
      this.table.put(g.groupId, g);
      this.log.warn({ groupId: g.groupId, nodeId }, 'placement group lost bundles with a node');
      this.events.changed(g);
    }
  }

  list(leases: readonly LeaseRecord[]): PlacementGroupInfo[] {
    return this.table.list().map((g) => ({
      groupId: g.groupId,
      name: g.name,
      state: g.state,
      strategy: g.strategy,
      bundles: g.bundles.map((b) => ({ ...b })),
      nodes: [...g.nodes],
      ...(g.reason !== undefined ? { reason: g.reason } : {}),
      infeasible: g.infeasible ?? false,
      leases: leases.filter((l) => l.bundle?.groupId === g.groupId).length,
      owner: g.clientId,
      jobId: g.jobId,
      createdAt: g.createdAt,
      ...(g.placedAt !== undefined ? { placedAt: g.placedAt } : {}),
    }));
  }
}

function describe(g: PlacementGroupRecord): string {
  const name = g.name ? ` "${g.name}"` : '';
  return `${g.groupId}${name} (${g.bundles.length} bundle(s) ${g.strategy}: ${g.bundles.map(formatVector).join(', ')})`;
}
