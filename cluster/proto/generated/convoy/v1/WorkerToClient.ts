// Original file: worker.proto

import type { ResultBatch as _convoy_v1_ResultBatch, ResultBatch__Output as _convoy_v1_ResultBatch__Output } from '../../convoy/v1/ResultBatch.ts';
import type { ActorEvent as _convoy_v1_ActorEvent, ActorEvent__Output as _convoy_v1_ActorEvent__Output } from '../../convoy/v1/ActorEvent.ts';

export interface WorkerToClient {
  'results'?: (_convoy_v1_ResultBatch | null);
  'actorEvent'?: (_convoy_v1_ActorEvent | null);
  'kind'?: "results"|"actorEvent";
}

export interface WorkerToClient__Output {
  'results'?: (_convoy_v1_ResultBatch__Output | null);
  'actorEvent'?: (_convoy_v1_ActorEvent__Output | null);
  'kind'?: "results"|"actorEvent";
}
