/**
 * The head's table of nodes: what each offers, what is leased out, when it last spoke, and whether it is
 * alive. A node is dead when its session stream ends or when no heartbeat arrived within the timeout.
 * The records live in the control store's `nodes` table; each node's session stream stays in the head.
 */
import { add, subtract, type ResourceVector } from '../../scheduler/resources.ts';
import type { NodeView } from '../../scheduler/placement/types.ts';
import type { NodeLoad } from '../api/head-api.ts';
import type { Table } from './control/control-store.ts';
import type { NodeDrain, NodeRecord } from './control/records.ts';

export type { NodeRecord };

/** What a node query (`convoy drain NODE`) matched: one node, none, or several. */
export type NodeMatch = { kind: 'one'; node: NodeRecord } | { kind: 'none' } | { kind: 'many'; nodes: NodeRecord[] };

/** Drops the zero entries of placement groups' keys, so the keys of groups long removed do not pile up. */
function withoutSpentGroupKeys(v: ResourceVector): ResourceVector {
  return Object.fromEntries(Object.entries(v).filter(([k, x]) => x !== 0 || !k.startsWith('_pg:')));
}

export class NodeTable {
  /**
   * Nodes of the head before a restart that have not spoken to this head yet: they get no new leases until
   * they do (a lease on a node that died meanwhile would fail at once, again and again, burning the retries of
   * every task sent there), but still count for what the cluster could run. Not stored: it is this head's view.
   */
  readonly #away = new Set<string>();

  constructor(private readonly table: Table<NodeRecord>) {}

  /**
   * A node registers: the first time, after it was declared dead, or again after a head restart. In the last
   * case the same process (same address and pid) comes back to a record still alive: the leases granted on it
   * are still in use there, so it keeps what they hold (`leased`, `freeGpus`) instead of starting empty.
   */
  register(n: { nodeId: string; address: string; total: ResourceVector; labels: Record<string, string>; hostname: string; pid: number }, now: number): NodeRecord {
    const prev = this.table.get(n.nodeId);
    const resumed = prev?.alive === true && prev.pid === n.pid && prev.address === n.address;
    const gpus = Math.floor(n.total.gpu ?? 0);
    const rec: NodeRecord = {
      ...n,
      leased: resumed ? prev.leased : {},
      alive: true,
      registeredAt: now,
      lastHeartbeat: now,
      freeGpus: resumed ? prev.freeGpus : Array.from({ length: gpus }, (_, i) => i),
      ...(resumed && prev.groups ? { groups: prev.groups } : {}),
      generation: (prev?.generation ?? 0) + 1,
      // A node that comes back (a broken session, a head restart) while it drains is still to be drained.
      ...(prev?.draining ? { draining: prev.draining } : {}),
    };
    if (prev?.load) rec.load = prev.load;
    this.table.put(n.nodeId, rec);
    this.#away.delete(n.nodeId);
    return rec;
  }

  /** After a head restart: every node still alive gets a fresh heartbeat clock to reconnect within. */
  restartClocks(now: number): void {
    for (const n of this.alive()) {
      n.lastHeartbeat = now;
      this.table.put(n.nodeId, n);
      this.#away.add(n.nodeId);
    }
  }

  get(nodeId: string): NodeRecord | undefined {
    return this.table.get(nodeId);
  }

  all(): NodeRecord[] {
    return this.table.list();
  }

  alive(): NodeRecord[] {
    return this.all().filter((n) => n.alive);
  }

  /** Live nodes being drained. */
  draining(): NodeRecord[] {
    return this.all().filter((n) => n.alive && n.draining !== undefined);
  }

  heartbeat(nodeId: string, load: NodeLoad, now: number): void {
    const n = this.table.get(nodeId);
    if (!n || !n.alive) return;
    this.#away.delete(nodeId);
    n.lastHeartbeat = now;
    n.load = load;
    this.table.put(nodeId, n);
  }

  /** Marks a node dead; returns false if it was already dead or unknown. */
  markDead(nodeId: string, reason: string): boolean {
    const n = this.table.get(nodeId);
    if (!n || !n.alive) return false;
    this.#away.delete(nodeId);
    n.alive = false;
    n.deadReason = reason;
    n.leased = {};
    delete n.groups;
    this.table.put(nodeId, n);
    return true;
  }

  /** Starts, changes or (undefined) ends a node's drain. */
  setDraining(nodeId: string, drain: NodeDrain | undefined): void {
    const n = this.table.get(nodeId);
    if (!n) return;
    if (drain) n.draining = drain;
    else delete n.draining;
    this.table.put(nodeId, n);
  }

  /**
   * The node a person means by `query`: its id, else a unique prefix of an id or its address (host:port).
   * Live nodes are looked at first, so a prefix shared with nodes long dead still names the live one.
   */
  find(query: string): NodeMatch {
    const all = this.all();
    const exact = all.find((n) => n.nodeId === query);
    if (exact) return { kind: 'one', node: exact };
    const matches = (n: NodeRecord) => n.nodeId.startsWith(query) || n.address === query;
    for (const pool of [all.filter((n) => n.alive), all]) {
      const found = query ? pool.filter(matches) : [];
      if (found.length === 1) return { kind: 'one', node: found[0]! };
      if (found.length > 1) return { kind: 'many', nodes: found };
    }
    return { kind: 'none' };
  }

  /** Nodes whose last heartbeat is older than `timeoutMs`. */
  overdue(now: number, timeoutMs: number): NodeRecord[] {
    return this.alive().filter((n) => now - n.lastHeartbeat > timeoutMs);
  }

  reserve(nodeId: string, resources: ResourceVector): number[] {
    const n = this.table.get(nodeId)!;
    n.leased = add(n.leased, resources);
    const wanted = resources.gpu ?? 0;
    // Whole GPUs get their own indices (CUDA_VISIBLE_DEVICES); a fraction shares the first one.
    let gpuIds: number[] = [];
    if (wanted >= 1) gpuIds = n.freeGpus.splice(0, Math.floor(wanted));
    else if (wanted > 0) gpuIds = [0];
    this.table.put(nodeId, n);
    return gpuIds;
  }

  release(nodeId: string, resources: ResourceVector, gpuIds: readonly number[]): void {
    const n = this.table.get(nodeId);
    if (!n || !n.alive) return;
    n.leased = withoutSpentGroupKeys(subtract(n.leased, resources));
    if ((resources.gpu ?? 0) >= 1) n.freeGpus = [...new Set([...n.freeGpus, ...gpuIds])].sort((a, b) => a - b);
    this.table.put(nodeId, n);
  }

  /** A placement group's bundle placed here (true) or gone (false): the resources only its work may ask for. */
  changeGroupResources(nodeId: string, resources: ResourceVector, placed: boolean): void {
    const n = this.table.get(nodeId);
    if (!n || !n.alive) return;
    const next = withoutSpentGroupKeys(placed ? add(n.groups ?? {}, resources) : subtract(n.groups ?? {}, resources));
    if (Object.keys(next).length === 0) delete n.groups;
    else n.groups = next;
    this.table.put(nodeId, n);
  }

  views(): NodeView[] {
    return this.all().map((n) => {
      const total = n.groups ? add(n.total, n.groups) : n.total;
      return {
        nodeId: n.nodeId,
        alive: n.alive,
        draining: n.draining !== undefined,
        ...(this.#away.has(n.nodeId) ? { away: true } : {}),
        total,
        available: subtract(total, n.leased),
      };
    });
  }
}
