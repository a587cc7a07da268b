/**
 * Placement groups, after Ray's: a list of resource bundles reserved together, all or nothing, so that a gang
 * (the ranks of a data-parallel training run, a trial's workers) starts together or not at all. Where the
 * bundles go is the strategy's:
 *
 * - `STRICT_PACK`: every bundle on one node (a gang that shares memory or a GPU box);
 * - `PACK`: as few nodes as possible, one if it fits;
 * - `STRICT_SPREAD`: every bundle on a different node (replicas that must not share a fate);
 * - `SPREAD`: as many different nodes as possible.
 *
 * A decision is one of: placed (a node per bundle), wait (the cluster could hold the group once busy
 * resources free up; the reason says what it waits for) or infeasible (no assignment fits even an idle
 * cluster; the reason says what is missing). Pure: nodes in, decision out.
 */
import { add, fits, formatVector, subtract, type ResourceVector } from './resources.ts';
import type { NodeView } from './placement/types.ts';

export const GROUP_STRATEGIES = ['PACK', 'SPREAD', 'STRICT_PACK', 'STRICT_SPREAD'] as const;
export type GroupStrategy = (typeof GROUP_STRATEGIES)[number];

export interface GroupRequest {
  readonly bundles: readonly ResourceVector[];
  readonly strategy: GroupStrategy;
}

export type GroupPlacement =
  | { readonly kind: 'placed'; readonly nodes: readonly string[] }
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'infeasible'; readonly reason: string };

/** At most this many assignments are tried for a strict spread (the search is exponential in the worst case). */
const SEARCH_BUDGET = 20_000;

export function placeGroup(request: GroupRequest, nodes: readonly NodeView[]): GroupPlacement {
  if (request.bundles.length === 0) return { kind: 'infeasible', reason: 'a placement group needs at least one bundle' };
  const candidates = nodes.filter((n) => n.alive && !n.draining && !n.away);
  const now = assign(request, candidates.map((n) => ({ nodeId: n.nodeId, free: n.available })));
  if (now) return { kind: 'placed', nodes: now };
  const idle = assign(request, candidates.map((n) => ({ nodeId: n.nodeId, free: n.total })));
  const shape = `${request.bundles.length} bundle(s) ${request.strategy} (${request.bundles.map(formatVector).join(', ')})`;
  if (idle) return { kind: 'wait', reason: `waiting for resources to free up for ${shape}` };
  return { kind: 'infeasible', reason: `no assignment of ${shape} fits the cluster${whatIsMissing(request, candidates)}` };
}

interface Capacity {
  readonly nodeId: string;
  free: ResourceVector;
}

/** A node per bundle, or undefined when the strategy's rule cannot be met with these capacities. */
function assign(request: GroupRequest, capacities: readonly Capacity[]): string[] | undefined {
  const { bundles, strategy } = request;
  if (strategy === 'STRICT_PACK') {
    const total = bundles.reduce<ResourceVector>((sum, b) => add(sum, b), {});
    // Among the nodes that fit, the one with the most room: the group's tasks get headroom beside it.
    const node = capacities.filter((c) => fits(total, c.free)).reduce<Capacity | undefined>((a, c) => (!a || size(c.free) > size(a.free) ? c : a), undefined);
    return node ? bundles.map(() => node.nodeId) : undefined;
  }
  if (strategy === 'STRICT_SPREAD') return spreadStrictly(bundles, capacities);
  // PACK and SPREAD are greedy: the largest bundles first, each on the best node for the strategy.
  const free = capacities.map((c) => ({ nodeId: c.nodeId, free: c.free, used: 0 }));
  const order = bundles.map((b, i) => ({ b, i })).sort((x, y) => size(y.b) - size(x.b));
  const out: string[] = new Array<string>(bundles.length);
  if (strategy === 'PACK') {
    const total = bundles.reduce<ResourceVector>((sum, b) => add(sum, b), {});
    const one = free.find((c) => fits(total, c.free));
    if (one) return bundles.map(() => one.nodeId);
  }
  for (const { b, i } of order) {
    const fitting = free.filter((c) => fits(b, c.free));
    if (fitting.length === 0) return undefined;
    // PACK: a node the group already uses, else the one with the most room. SPREAD: the least used node.
    const pick =
      strategy === 'PACK'
        ? (fitting.find((c) => c.used > 0) ?? fitting.reduce((a, c) => (size(c.free) > size(a.free) ? c : a)))
        : fitting.reduce((a, c) => (c.used < a.used || (c.used === a.used && size(c.free) > size(a.free)) ? c : a));
    pick.free = subtract(pick.free, b);
    pick.used++;
    out[i] = pick.nodeId;
  }
  return out;
}

/** Each bundle on its own node: a bounded backtracking search (bundles of different shapes may need it). */
function spreadStrictly(bundles: readonly ResourceVector[], capacities: readonly Capacity[]): string[] | undefined {
  if (bundles.length > capacities.length) return undefined;
  const order = bundles.map((b, i) => ({ b, i })).sort((x, y) => size(y.b) - size(x.b));
  const taken = new Set<string>();
  const out: string[] = new Array<string>(bundles.length);
  let budget = SEARCH_BUDGET;
  const place = (k: number): boolean => {
    if (k === order.length) return true;
    const { b, i } = order[k]!;
    for (const c of capacities) {
      if (taken.has(c.nodeId) || !fits(b, c.free)) continue;
      if (--budget < 0) return false;
      taken.add(c.nodeId);
      out[i] = c.nodeId;
      if (place(k + 1)) return true;
      taken.delete(c.nodeId);
    }
    return false;
  };
  return place(0) ? out : undefined;
}

/** A scalar size to order bundles and nodes by: the sum of the resource amounts, memory in GiB. */
function size(v: ResourceVector): number {
  let s = 0;
  for (const [k, x] of Object.entries(v)) s += k === 'memory' ? x / 2 ** 30 : x;
  return s;
}

function whatIsMissing(request: GroupRequest, nodes: readonly NodeView[]): string {
  if (nodes.length === 0) return ': no live node can take new work';
  if (request.strategy === 'STRICT_SPREAD') {
    const able = (b: ResourceVector) => nodes.filter((n) => fits(b, n.total)).length;
    const fewest = Math.min(...request.bundles.map(able));
    return `: STRICT_SPREAD needs ${request.bundles.length} different nodes, and ${fewest === 0 ? 'no node' : `only ${fewest} node(s)`} can hold a bundle; add nodes or use SPREAD`;
  }
  if (request.strategy === 'STRICT_PACK') {
    const total = request.bundles.reduce<ResourceVector>((sum, b) => add(sum, b), {});
    return `: STRICT_PACK needs one node with ${formatVector(total)}; add such a node or use PACK`;
  }
  const big = request.bundles.find((b) => !nodes.some((n) => fits(b, n.total)));
  return big ? `: no node can hold the bundle ${formatVector(big)}` : ': the bundles together exceed what the nodes hold';
}

// ---- bundles as resources ----
//
// As in Ray, a placed bundle becomes resources of its node that only the group's work can ask for: the
// bundle's amounts under a key for the bundle (`_pg:ID:INDEX:cpu`) and under one for the group on that node
// (`_pg:ID:cpu`). A task placed into bundle i asks for both (so it comes out of bundle i and out of the
// group's share of that node); one placed into any bundle (index -1) asks for the group's key only. The
// lease scheduler then needs nothing new: only the bundle's node holds those keys. The keys start with `_`,
// so status and messages leave them out.

/** Where a task or actor asks to run: a bundle of a placement group, or (index -1) any of its bundles. */
export interface BundleRef {
  readonly groupId: string;
  readonly index: number;
}

/** Resources that stay the node's own even for work in a bundle (the hidden per-node task slots). */
const NODE_ONLY = new Set(['_slots']);

function bundleKey(groupId: string, index: number, resource: string): string {
  return `_pg:${groupId}:${index}:${resource}`;
}

function groupKey(groupId: string, resource: string): string {
  return `_pg:${groupId}:${resource}`;
}

/** What work in `bundle` asks the scheduler for, given what it would ask for outside any group. */
export function inBundle(bundle: BundleRef, resources: ResourceVector): ResourceVector {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(resources)) {
    if (NODE_ONLY.has(k)) {
      out[k] = v;
      continue;
    }
    if (v === 0) continue;
    out[groupKey(bundle.groupId, k)] = v;
    if (bundle.index >= 0) out[bundleKey(bundle.groupId, bundle.index, k)] = v;
  }
  return out;
}

/** The resources a placed bundle adds to its node, for work in the group to ask for. */
export function bundleResources(groupId: string, index: number, bundle: ResourceVector): ResourceVector {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(bundle)) {
    if (v === 0) continue;
    out[groupKey(groupId, k)] = v;
    out[bundleKey(groupId, index, k)] = v;
  }
  return out;
}

/** Why work asking for `bundle` cannot run at all in a group of `bundles`, or undefined when it can. */
export function bundleMismatch(bundle: BundleRef, bundles: readonly ResourceVector[], resources: ResourceVector): string | undefined {
  if (bundle.index >= bundles.length) return `bundle index ${bundle.index} is out of range: placement group ${bundle.groupId} has ${bundles.length} bundle(s) (0..${bundles.length - 1}, or -1 for any)`;
  const asked = Object.fromEntries(Object.entries(resources).filter(([k]) => !NODE_ONLY.has(k)));
  const candidates = bundle.index >= 0 ? [bundles[bundle.index]!] : bundles;
  if (candidates.some((b) => fits(asked, b))) return undefined;
  const where = bundle.index >= 0 ? `bundle ${bundle.index} of placement group ${bundle.groupId} holds ${formatVector(candidates[0]!)}` : `no bundle of placement group ${bundle.groupId} holds that much`;
  return `${formatVector(asked)} does not fit: ${where}; ask for less or make the bundle larger`;
}

/**
 * Places the bundles of a group that has lost some (their node died): `kept[i]` is the node bundle i still
 * has, or undefined where it must be placed again. The kept ones stay; the rest follow the strategy among
 * the nodes it allows (STRICT_SPREAD: none a kept bundle uses; STRICT_PACK: the kept bundles' node, and when
 * none is kept, any one node).
 */
export function placeLostBundles(request: GroupRequest, kept: readonly (string | undefined)[], nodes: readonly NodeView[]): GroupPlacement {
  const lost = request.bundles.map((b, i) => ({ b, i })).filter(({ i }) => kept[i] === undefined);
  if (lost.length === 0) return { kind: 'placed', nodes: kept as string[] };
  const used = new Set(kept.filter((n): n is string => n !== undefined));
  let allowed = nodes;
  if (request.strategy === 'STRICT_SPREAD') allowed = nodes.filter((n) => !used.has(n.nodeId));
  if (request.strategy === 'STRICT_PACK' && used.size > 0) allowed = nodes.filter((n) => used.has(n.nodeId));
  const p = placeGroup({ bundles: lost.map(({ b }) => b), strategy: request.strategy }, allowed);
  if (p.kind !== 'placed') return p;
  const out = [...kept];
  lost.forEach(({ i }, k) => (out[i] = p.nodes[k]!));
  return { kind: 'placed', nodes: out as string[] };
}
