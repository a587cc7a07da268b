/**
 * Convoy: a Ray-style task cluster for Node.js.
 *
 * @example
 * ```ts
 * import { connect } from 'convoy';
 *
 * // tasks.ts: export function square(x: number) { return x * x; }
 * await using cluster = await connect(); // no address: CONVOY_ADDRESS, the head `convoy start --head` started here, else an embedded local cluster
 * const square = cluster.task<typeof import('./tasks.ts').square>(new URL('./tasks.ts', import.meta.url), 'square');
 * const refs = [1, 2, 3].map((x) => square.remote(x));
 * console.log(await cluster.get(refs)); // [1, 4, 9]
 * ```
 */
export { connect } from './connect.ts';
export * as tune from '../tune/index.ts';
export { ObjectRef, isObjectRef } from './object-ref.ts';
export type { RefOr, RefArgs } from './object-ref.ts';
export { RemoteFunction, ActorClass, ActorHandle } from './cluster.ts';
export type { Cluster, ClusterSummary, NodeSummary, GetOptions, WaitOptions, ModuleSpecifier, ProgressReport } from './cluster.ts';
export type { TaskOptions, ActorOptions, ConnectOptions } from './options.ts';
export type { ActorState } from './actors.ts';
export { PlacementGroup } from './placement-groups.ts';
export type { PlacementGroupOptions, PlacementGroupState } from './placement-groups.ts';
export { openCollectiveEndpoint, CollectiveEndpoint, CollectiveGroup } from '../collective/index.ts';
export type { CollectiveOptions, JoinOptions, AllreduceOptions } from '../collective/index.ts';
export { currentTaskId } from '../common/runtime-context.ts';
export {
  ConvoyError,
  TaskError,
  TaskTimeoutError,
  TaskCancelledError,
  WorkerDiedError,
  MemoryPressureError,
  ActorDiedError,
  ObjectLostError,
  OwnerDiedError,
  GetTimeoutError,
  ClusterClosedError,
  AuthError,
  ConnectError,
  BackpressureError,
  IllegalStateError,
  UploadError,
  UploadTooLargeError,
  TaskLoadError,
  RuntimeEnvError,
  UsageError,
  ProcessStartError,
  ListenError,
  PlacementGroupRemovedError,
  PlacementGroupTimeoutError,
  CollectiveError,
  registerError,
} from '../common/errors.ts';
