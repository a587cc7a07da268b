/**
 * Collective communication between ranks in different processes and nodes: allreduce, broadcast, barrier.
 * What data-parallel training averages gradients with. See endpoint.ts for forming a group.
 */
export { openCollectiveEndpoint, CollectiveEndpoint, type CollectiveOptions, type JoinOptions } from './endpoint.ts';
export { CollectiveGroup, chunkBounds, type AllreduceOptions } from './collective-group.ts';
