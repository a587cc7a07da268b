/**
 * The head's lease decisions: which waiting demands get which nodes, which demands can never run, and which
 * leases to take back so that every client waiting for a shape gets a fair share of it.
 *
 * A demand is "client C could use N more leases of shape R". Demands are served first come, first served;
 * a demand that cannot be placed now does not block later demands of other shapes (no head-of-line blocking).
 *
 * A draining node (`convoy drain`, as Ray's DrainNode) gets no new leases, and its leases are revoked: a revoked
 * lease finishes the tasks it holds and then goes back (the client sends it no more), so running work is never
 * cut short. Actor leases stay: an actor lives on its node until the node goes.
 *
 * A node known from before a head restart that has not spoken to the new head yet (`away`) gets no new leases
 * either, until it does: it may have died while no head watched. A demand only such a node could run waits.
 */
import { place, type NodeView, type PlacementStrategy } from './placement/index.ts';
import { fits, formatVector, subtract, type ResourceVector } from './resources.ts';

export interface Demand {
  readonly id: string;
  readonly clientId: string;
  readonly resources: ResourceVector;
  readonly remaining: number;
  readonly strategy: PlacementStrategy;
  readonly preferredNodes: readonly string[];
  /** Actor leases are held for the actor's life and never revoked. */
  readonly actor: boolean;
}

export interface Holding {
  readonly leaseId: string;
  readonly clientId: string;
  readonly nodeId: string;
  readonly resources: ResourceVector;
  readonly actor: boolean;
  /** A revoke was already sent: the lease will come back, do not count or revoke it again. */
  readonly revoking: boolean;
}

export interface ScheduleOutcome {
  readonly grants: readonly { readonly demandId: string; readonly nodeId: string }[];
  readonly infeasible: ReadonlyMap<string, string>;
  readonly waiting: ReadonlyMap<string, string>;
  readonly revoke: readonly string[];
}

export function scheduleDemands(
  demands: readonly Demand[],
  nodes: readonly NodeView[],
  holdings: readonly Holding[],
  rotation = 0,
): ScheduleOutcome {
  const view = nodes.map((n) => ({ ...n }));
  const grants: { demandId: string; nodeId: string }[] = [];
  const infeasible = new Map<string, string>();
  const waiting = new Map<string, string>();
  const schedulable = view.filter((n) => !n.draining && !n.away);
  let turn = rotation;
  for (const demand of demands) {
    for (let i = 0; i < demand.remaining; i++) {
      const p = place(
        { resources: demand.resources, strategy: demand.strategy, preferredNodes: demand.preferredNodes },
        schedulable,
        turn++,
      );
      if (p.kind === 'placed') {
        const node = view.find((n) => n.nodeId === p.nodeId)!;
        (node as { available: ResourceVector }).available = subtract(node.available, demand.resources);
        grants.push({ demandId: demand.id, nodeId: p.nodeId });
        continue;
      }
      const back = p.kind === 'infeasible' ? awayOnlyReason(demand.resources, view) : undefined;
      if (back) waiting.set(demand.id, back);
      else if (p.kind === 'infeasible') infeasible.set(demand.id, drainingOnlyReason(demand.resources, view) ?? p.reason);
      else waiting.set(demand.id, p.reason);
      break;
    }
  }
  const revoke = [...drainRevocations(nodes, holdings), ...fairShareRevocations(demands, waiting, schedulable, holdings)];
  return { grants, infeasible, waiting, revoke };
}

/** Why a demand that only nodes not back since a head restart could run waits, or undefined when none fits it. */
function awayOnlyReason(resources: ResourceVector, nodes: readonly NodeView[]): string | undefined {
  const fit = nodes.filter((n) => n.away && n.alive && !n.draining && fits(resources, n.total)).map((n) => n.nodeId);
  if (fit.length === 0) return undefined;
  return `waiting for node(s) ${fit.join(', ')} to come back after the head restarted`;
}

/** Why a demand that only draining nodes could run cannot be placed, or undefined when no draining node fits it. */
function drainingOnlyReason(resources: ResourceVector, nodes: readonly NodeView[]): string | undefined {
  const fit = nodes.filter((n) => n.draining && n.alive && fits(resources, n.total)).map((n) => n.nodeId);
  if (fit.length === 0) return undefined;
  return `only draining node(s) ${fit.join(', ')} can provide ${formatVector(resources)}; add a node with these resources or lower the request`;
}

/**
 * The leases to take back because their node is draining: every one not revoked yet, except actor leases
 * (the actor cannot move; its calls finish and it goes with the node). Revoking takes nothing from a running
 * task: the client stops sending the lease new tasks and returns it once its in-flight ones are done.
 */
export function drainRevocations(nodes: readonly NodeView[], holdings: readonly Holding[]): string[] {
  const draining = new Set(nodes.filter((n) => n.draining && n.alive).map((n) => n.nodeId));
  if (draining.size === 0) return [];
  return holdings.filter((h) => draining.has(h.nodeId) && !h.actor && !h.revoking).map((h) => h.leaseId);
}

/**
 * For each waiting demand, take back a lease that would make room for it: first from a client that wants no
 * more leases at all (its backlog is dispatched: the lease is idle or finishing its last tasks, and goes back
 * as soon as it drains), otherwise one from the client holding the most, and only while that client holds
 * more than the waiting one. Repeated rounds converge to equal shares between clients competing for the same
 * resources, and an idle lease never keeps a waiting client waiting.
 */
export function fairShareRevocations(
  demands: readonly Demand[],
  waiting: ReadonlyMap<string, string>,
  nodes: readonly NodeView[],
  holdings: readonly Holding[],
): string[] {
  const revoke: string[] = [];
  const taken = new Set<string>();
  const held = new Map<string, number>();
  for (const h of holdings) if (!h.revoking) held.set(h.clientId, (held.get(h.clientId) ?? 0) + 1);
  const demanding = new Set(demands.filter((d) => d.remaining > 0).map((d) => d.clientId));
  for (const demand of demands) {
    if (!waiting.has(demand.id)) continue;
    const feasibleNodes = new Set(nodes.filter((n) => n.alive && fits(demand.resources, n.total)).map((n) => n.nodeId));
    const incoming = holdings.filter((h) => h.revoking && feasibleNodes.has(h.nodeId)).length;
    if (incoming >= demand.remaining) continue;
    const mine = held.get(demand.clientId) ?? 0;
    const revocable = (h: Holding) =>
      !h.actor && !h.revoking && !taken.has(h.leaseId) && h.clientId !== demand.clientId && feasibleNodes.has(h.nodeId);
    let victim = holdings.find((h) => revocable(h) && !demanding.has(h.clientId));
    if (!victim) {
      let victimCount = mine + 1; // only revoke from clients holding strictly more than one above us
      for (const h of holdings) {
        if (!revocable(h)) continue;
        const count = held.get(h.clientId) ?? 0;
        if (count > victimCount) {
          victim = h;
          victimCount = count;
        }
      }
    }
    if (victim) {
      revoke.push(victim.leaseId);
      taken.add(victim.leaseId);
      held.set(victim.clientId, (held.get(victim.clientId) ?? 1) - 1);
    }
  }
  return revoke;
}
