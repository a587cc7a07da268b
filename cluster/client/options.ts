/**
 * Options in three steps, as Temporal's worker options: what the user gives, validated once here with zod
 * (a wrong option fails at the call that passed it, naming the field), then compiled into the shape the
 * owner core trusts.
 */
import { z } from 'zod';
import { shapeKey, toVector, type ResourceVector } from '../../scheduler/resources.ts';
import type { PlacementStrategy } from '../../scheduler/placement/types.ts';
import type { BundleRef } from '../../scheduler/placement-groups.ts';
import { formatZodIssues } from '../common/zod-issues.ts';

const resourceAmount = z.number().finite().nonnegative();

export const taskOptionsSchema = z
  .object({
    /** CPUs the task holds while it runs. @default 1 */
    cpu: resourceAmount.optional(),
    /** GPUs the task holds. @default 0 */
    gpu: resourceAmount.optional(),
    /** Bytes of memory the task holds. @default 0 */
    memory: resourceAmount.optional(),
    /** Custom resources, e.g. `{ tomtom_key: 1 }`. */
    custom: z.record(z.string(), resourceAmount).optional(),
    /** Retries after the worker running it dies. @default 3 */
    maxRetries: z.number().int().min(0).optional(),
    /** Also retry when the task throws: true, or the error names to retry. @default false */
    retryExceptions: z.union([z.boolean(), z.array(z.string())]).optional(),
    /** Stop the task after this long (its thread is ended). @default none */
    timeoutMs: z.number().int().positive().optional(),
    /** `pack` fills busy nodes first; `spread` uses idle nodes first. @default 'pack' */
    scheduling: z.enum(['pack', 'spread']).optional(),
    /** A name for status, logs and errors. @default the export name */
    name: z.string().optional(),
    /** Run in this placement group's reservation (a PlacementGroup from `cluster.placementGroup()`, or its id). */
    placementGroup: z
      .union([z.string().min(1), z.custom<{ readonly id: string }>((v) => typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string', 'a PlacementGroup or its id')])
      .optional(),
    /** Which of the group's bundles; -1: any of them. @default -1 */
    bundleIndex: z.number().int().min(-1).optional(),
  })
  .strict();

export type TaskOptions = z.input<typeof taskOptionsSchema>;

export const actorOptionsSchema = taskOptionsSchema
  .omit({ timeoutMs: true, retryExceptions: true, maxRetries: true })
  .extend({
    /** Restarts after its thread, process or node dies; pending calls are re-sent to the new instance. @default 0 */
    maxRestarts: z.number().int().min(0).optional(),
    /** `thread` (default) or `process`: a process of its own, e.g. one per GPU. @default 'thread', 'process' when gpu > 0 */
    isolation: z.enum(['thread', 'process']).optional(),
  })
  .strict();

export type ActorOptions = z.input<typeof actorOptionsSchema>;

export interface CompiledTaskOptions {
  readonly resources: ResourceVector;
  readonly shape: string;
  readonly maxRetries: number;
  readonly retryExceptions: boolean | readonly string[];
  readonly timeoutMs: number;
  readonly strategy: PlacementStrategy;
  readonly name?: string;
  /** Where in a placement group it runs. */
  readonly bundle?: BundleRef;
}

export interface CompiledActorOptions {
  readonly resources: ResourceVector;
  readonly maxRestarts: number;
  readonly isolation: 'thread' | 'process';
  readonly strategy: PlacementStrategy;
  readonly name?: string;
  readonly bundle?: BundleRef;
}

/** The bundle the options name, or undefined; a bundle index without a group is a mistake worth naming. */
function bundleOf(o: { placementGroup?: string | { readonly id: string }; bundleIndex?: number }, what: string): BundleRef | undefined {
  if (o.placementGroup === undefined) {
    if (o.bundleIndex !== undefined) throw new TypeError(`invalid ${what}: bundleIndex needs placementGroup`);
    return undefined;
  }
  return { groupId: typeof o.placementGroup === 'string' ? o.placementGroup : o.placementGroup.id, index: o.bundleIndex ?? -1 };
}

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const issues = formatZodIssues(r.error.issues, { root: '(options)' }).join('; ');
    throw new TypeError(`invalid ${what}: ${issues}`);
  }
  return r.data;
}

export function compileTaskOptions(given: TaskOptions | undefined): CompiledTaskOptions {
  const o = parse(taskOptionsSchema, given, 'task options');
  // Every task lease also takes one hidden slot, which caps zero-CPU tasks per node (see WorkerNode).
  const resources = { ...toVector(o), _slots: 1 };
  const bundle = bundleOf(o, 'task options');
  return {
    resources,
    // Work in a bundle gets leases of its own: it may only run where the bundle is.
    shape: shapeKey(resources) + (bundle ? `|pg=${bundle.groupId}:${bundle.index}` : ''),
    maxRetries: o.maxRetries ?? 3,
    retryExceptions: o.retryExceptions ?? false,
    timeoutMs: o.timeoutMs ?? 0,
    strategy: o.scheduling ?? 'pack',
    name: o.name,
    ...(bundle ? { bundle } : {}),
  };
}

export function compileActorOptions(given: ActorOptions | undefined): CompiledActorOptions {
  const o = parse(actorOptionsSchema, given, 'actor options');
  const resources = toVector(o, { cpu: 0 });
  const bundle = bundleOf(o, 'actor options');
  return {
    resources,
    maxRestarts: o.maxRestarts ?? 0,
    isolation: o.isolation ?? ((o.gpu ?? 0) > 0 ? 'process' : 'thread'),
    strategy: o.scheduling ?? 'pack',
    name: o.name,
    ...(bundle ? { bundle } : {}),
  };
}

export const connectOptionsSchema = z
  .object({
    /**
     * Head address `host:port`; `'local'` for a new embedded cluster even when a head runs here; `'auto'` for
     * the head `convoy start --head` started on this machine (an error when there is none).
     * @default process.env.CONVOY_ADDRESS, else the head `convoy start --head` started here, else an embedded cluster
     */
    address: z.string().optional(),
    /** Cluster token. @default a recorded local head's own token file, else process.env.CONVOY_TOKEN, else CONVOY_TOKEN_FILE */
    token: z.string().optional(),
    /** File holding the token (mode 0600). @default as for `token` */
    tokenFile: z.string().optional(),
    /** How long to wait for the head. @default 10_000 */
    connectTimeoutMs: z.number().int().positive().optional(),
    /** PEM CA bundle to verify the head's TLS certificate (enables TLS). */
    tlsCaFile: z.string().optional(),
    /** Unfinished tasks above which `remote()` throws BackpressureError. @default 1_000_000 */
    maxPendingTasks: z.number().int().positive().optional(),
    /** Tasks in flight per lease at most. @default 512 */
    maxInFlightPerLease: z.number().int().positive().optional(),
    /** Idle leases go back to the head after this long. @default 1000 */
    leaseIdleMs: z.number().int().nonnegative().optional(),
    /** Values at least this large go to a worker's store on put(). @default 100 KiB */
    inlineThreshold: z.number().int().positive().optional(),
    /**
     * Embedded cluster only: worker processes to start. This and the other embedded-only options, given
     * without an address, ask for an embedded cluster even when a head runs on this machine. @default 2
     */
    workers: z.number().int().positive().optional(),
    /** Embedded cluster only: CPUs per worker. @default half of this machine's CPUs, at least 1 */
    cpusPerWorker: z.number().positive().optional(),
    /** Embedded cluster only: GPUs per worker (for testing GPU scheduling). @default 0 */
    gpusPerWorker: z.number().int().nonnegative().optional(),
    /** Embedded cluster only: custom resources per worker. */
    resourcesPerWorker: z.record(z.string(), resourceAmount).optional(),
    /** Embedded cluster only: object store budget per worker in bytes. */
    objectStoreMemory: z.number().int().positive().optional(),
    /** Log level for Convoy's own messages in this process. @default 'warn' */
    logLevel: z.string().optional(),
  })
  .strict();

export type ConnectOptions = z.input<typeof connectOptionsSchema>;

export function parseConnectOptions(given: ConnectOptions | undefined): z.output<typeof connectOptionsSchema> {
  return parse(connectOptionsSchema, given, 'connect options');
}
