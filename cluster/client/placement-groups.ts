/**
 * Placement groups as a driver holds them (Ray's `placement_group()`): bundles of resources the head reserves
 * all or nothing, so that a gang of tasks or actors (the ranks of a training run) starts together or not at
 * all. Work goes into a bundle through its options: `{ placementGroup: pg, bundleIndex: 0 }`.
 *
 * The group belongs to the client that made it: it is removed when that client closes or dies. Its state
 * comes from the head on every change; after a head restart the request is sent again (the head keeps the
 * group and answers with its state).
 */
import { z } from 'zod';
import { GROUP_STRATEGIES, type GroupStrategy } from '../../scheduler/placement-groups.ts';
import { toVector, type ResourceVector } from '../../scheduler/resources.ts';
import { PlacementGroupRemovedError, PlacementGroupTimeoutError } from '../common/errors.ts';
import { randomId } from '../common/ids.ts';
import { formatZodIssues } from '../common/zod-issues.ts';
import type { PlacementGroupNews, PlacementGroupSpec } from '../proto/convert.ts';

const amount = z.number().finite().nonnegative();

const bundleSchema = z
  .object({
    cpu: amount.optional(),
    gpu: amount.optional(),
    /** Bytes. */
    memory: amount.optional(),
    custom: z.record(z.string(), amount).optional(),
  })
  .strict();

export const placementGroupOptionsSchema = z
  .object({
    /** The resources each bundle reserves, e.g. `[{ cpu: 1, gpu: 1 }, { cpu: 1, gpu: 1 }]`. */
    bundles: z.array(bundleSchema).min(1),
    /** Where the bundles go: `PACK` (few nodes), `SPREAD`, `STRICT_PACK` (one node), `STRICT_SPREAD` (one node each). @default 'PACK' */
    strategy: z.enum(GROUP_STRATEGIES).optional(),
    /** A name for status and the dashboard. */
    name: z.string().max(200).optional(),
  })
  .strict();

export type PlacementGroupOptions = z.input<typeof placementGroupOptionsSchema>;

/** What a placement group reports of itself. */
export type PlacementGroupState = PlacementGroupNews['state'];

/** How the group talks to the head (the owner core's head connection). */
export interface GroupHost {
  create(spec: PlacementGroupSpec): void;
  remove(groupId: string): void;
}

export class PlacementGroup {
  readonly id: string;
  readonly name: string;
  readonly strategy: GroupStrategy;
  readonly bundles: readonly ResourceVector[];
  #state: PlacementGroupState = 'PENDING';
  #reason = 'not placed yet';
  #nodes: readonly string[] = [];
  #waiters = new Set<{ resolve: () => void; reject: (e: Error) => void }>();

  constructor(
    spec: PlacementGroupSpec,
    /** Tells the head (and the client's table) that the group is to go. */
    private readonly removeAt: (groupId: string) => void,
  ) {
    this.id = spec.groupId;
    this.name = spec.name;
    this.strategy = spec.strategy;
    this.bundles = spec.bundles;
  }

  /** PENDING until every bundle has a node, then CREATED; RESCHEDULING after a node holding some died; REMOVED. */
  get state(): PlacementGroupState {
    return this.#state;
  }

  /** Why the group is not placed (yet), or why it was removed. */
  get reason(): string {
    return this.#reason;
  }

  /** The node of each bundle ('' while it has none). */
  get bundleNodes(): readonly string[] {
    return this.#nodes;
  }

  /**
   * Resolves once every bundle is reserved. Rejects with PlacementGroupRemovedError if the group is removed
   * first, and with PlacementGroupTimeoutError (saying what it waits for) after `timeoutMs`, if given.
   */
  ready(options: { timeoutMs?: number } = {}): Promise<this> {
    if (this.#state === 'CREATED') return Promise.resolve(this);
    if (this.#state === 'REMOVED') return Promise.reject(new PlacementGroupRemovedError(this.id, this.#reason));
    return new Promise<this>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve(this);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.add(waiter);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new PlacementGroupTimeoutError(this.id, options.timeoutMs!, this.#reason));
        }, options.timeoutMs);
      }
    });
  }

  /** Gives the bundles back. Tasks and actors in the group lose their reservation; waiting ones never start. */
  remove(): void {
    if (this.#state === 'REMOVED') return;
    this.removeAt(this.id);
    this.settle({ groupId: this.id, state: 'REMOVED', reason: 'removed by its owner', nodes: [], infeasible: false });
  }

  /** The head's news of the group (or the client closing: REMOVED). */
  settle(news: PlacementGroupNews): void {
    if (this.#state === 'REMOVED') return;
    this.#state = news.state;
    this.#reason = news.reason;
    this.#nodes = news.nodes;
    if (news.state !== 'CREATED' && news.state !== 'REMOVED') return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) {
      if (news.state === 'CREATED') w.resolve();
      else w.reject(new PlacementGroupRemovedError(this.id, news.reason));
    }
  }

  /** The request as the head gets it (again after a reconnect). */
  spec(): PlacementGroupSpec {
    return { groupId: this.id, name: this.name, strategy: this.strategy, bundles: [...this.bundles] };
  }
}

/** The groups one client created, by id. */
export class PlacementGroups {
  readonly #groups = new Map<string, PlacementGroup>();

  constructor(private readonly host: GroupHost) {}

  create(given: PlacementGroupOptions): PlacementGroup {
    const r = placementGroupOptionsSchema.safeParse(given);
    if (!r.success) throw new TypeError(`invalid placement group options: ${formatZodIssues(r.error.issues, { root: '(options)' }).join('; ')}`);
    const bundles = r.data.bundles.map((b, i) => {
      const v = toVector(b, { cpu: 0 });
      if (Object.keys(v).length === 0) throw new TypeError(`invalid placement group options: bundle ${i} asks for no resources; give it some, e.g. { cpu: 1 }`);
      return v;
    });
    const spec: PlacementGroupSpec = { groupId: `PG${randomId(6)}`, name: r.data.name ?? '', strategy: r.data.strategy ?? 'PACK', bundles };
    const group = new PlacementGroup(spec, (id) => this.#removed(id));
    this.#groups.set(group.id, group);
    this.host.create(spec);
    return group;
  }

  #removed(groupId: string): void {
    this.#groups.delete(groupId);
    this.host.remove(groupId);
  }

  onNews(news: PlacementGroupNews): void {
    const g = this.#groups.get(news.groupId);
    if (!g) return;
    g.settle(news);
    if (news.state === 'REMOVED') this.#groups.delete(news.groupId);
  }

  /** After a head restart or a broken session: the head may not have our requests. */
  resend(): void {
    for (const g of this.#groups.values()) this.host.create(g.spec());
  }

  /** The client closes: its groups go with it (the head removes them when the session ends). */
  closeAll(reason: string): void {
    for (const g of this.#groups.values()) g.settle({ groupId: g.id, state: 'REMOVED', reason, nodes: [], infeasible: false });
    this.#groups.clear();
  }
}
