/**
 * The head's table of nodes: what each offers, what is leased out, when it last spoke, and whether it is
 * alive. A node is dead when its session stream ends or when no heartbeat arrived within the timeout.
 */
import { add, subtract, type ResourceVector } from '../../scheduler/resources.ts';
import type { NodeView } from '../../scheduler/placement/types.ts';
import type { NodeLoad } from '../api/head-api.ts';


export interface NodeRecord {
  readonly nodeId: string;
  address: string;
  total: ResourceVector;
  /** Sum of the resources of the leases granted on this node. */
  leased: ResourceVector;
  labels: Record<string, string>;
  hostname: string;
  pid: number;
  alive: boolean;
  deadReason?: string;
  registeredAt: number;
  lastHeartbeat: number;
  load?: NodeLoad;
  /** GPU indices not held by a lease. */
  freeGpus: number[];
  /** Bumped on every (re)registration, so a stale session's end does not kill a fresh one. */
  generation: number;
}

export class NodeTable {
  readonly #nodes = new Map<string, NodeRecord>();

  register(n: { nodeId: string; address: string; total: ResourceVector; labels: Record<string, string>; hostname: string; pid: number }, now: number): NodeRecord {
    const prev = this.#nodes.get(n.nodeId);
    const gpus = Math.floor(n.total.gpu ?? 0);
    const rec: NodeRecord = {
      ...n,
      leased: {},
      alive: true,
      registeredAt: now,
      lastHeartbeat: now,
      freeGpus: Array.from({ length: gpus }, (_, i) => i),
      generation: (prev?.generation ?? 0) + 1,
    };
    this.#nodes.set(n.nodeId, rec);
    return rec;
  }

  get(nodeId: string): NodeRecord | undefined {
    return this.#nodes.get(nodeId);
  }

  all(): NodeRecord[] {
    return [...this.#nodes.values()];
  }

  alive(): NodeRecord[] {
    return this.all().filter((n) => n.alive);
  }

  heartbeat(nodeId: string, load: NodeLoad, now: number): void {
    const n = this.#nodes.get(nodeId);
    if (!n || !n.alive) return;
    n.lastHeartbeat = now;
    n.load = load;
  }

  /** Marks a node dead; returns false if it was already dead or unknown. */
  markDead(nodeId: string, reason: string): boolean {
    const n = this.#nodes.get(nodeId);
    if (!n || !n.alive) return false;
    n.alive = false;
    n.deadReason = reason;
    n.leased = {};
    return true;
  }

  /** Nodes whose last heartbeat is older than `timeoutMs`. */
  overdue(now: number, timeoutMs: number): NodeRecord[] {
    return this.alive().filter((n) => now - n.lastHeartbeat > timeoutMs);
  }

  reserve(nodeId: string, resources: ResourceVector): number[] {
    const n = this.#nodes.get(nodeId)!;
    n.leased = add(n.leased, resources);
    const wanted = resources.gpu ?? 0;
    // Whole GPUs get their own indices (CUDA_VISIBLE_DEVICES); a fraction shares the first one.
    if (wanted >= 1) return n.freeGpus.splice(0, Math.floor(wanted));
    if (wanted > 0) return [0];
    return [];
  }

  release(nodeId: string, resources: ResourceVector, gpuIds: readonly number[]): void {
    const n = this.#nodes.get(nodeId);
    if (!n || !n.alive) return;
    n.leased = subtract(n.leased, resources);
    if ((resources.gpu ?? 0) >= 1) n.freeGpus = [...new Set([...n.freeGpus, ...gpuIds])].sort((a, b) => a - b);
  }

  views(): NodeView[] {
    return this.all().map((n) => ({ nodeId: n.nodeId, alive: n.alive, total: n.total, available: subtract(n.total, n.leased) }));
  }
}
