// Original file: head.proto

import type { Heartbeat as _convoy_v1_Heartbeat, Heartbeat__Output as _convoy_v1_Heartbeat__Output } from '../../convoy/v1/Heartbeat.ts';
import type { ObjectsAdded as _convoy_v1_ObjectsAdded, ObjectsAdded__Output as _convoy_v1_ObjectsAdded__Output } from '../../convoy/v1/ObjectsAdded.ts';
import type { ObjectsRemoved as _convoy_v1_ObjectsRemoved, ObjectsRemoved__Output as _convoy_v1_ObjectsRemoved__Output } from '../../convoy/v1/ObjectsRemoved.ts';
import type { ActorExited as _convoy_v1_ActorExited, ActorExited__Output as _convoy_v1_ActorExited__Output } from '../../convoy/v1/ActorExited.ts';
import type { Drained as _convoy_v1_Drained, Drained__Output as _convoy_v1_Drained__Output } from '../../convoy/v1/Drained.ts';

export interface NodeToHead {
  'heartbeat'?: (_convoy_v1_Heartbeat | null);
  'objectsAdded'?: (_convoy_v1_ObjectsAdded | null);
  'objectsRemoved'?: (_convoy_v1_ObjectsRemoved | null);
  'actorExited'?: (_convoy_v1_ActorExited | null);
  'drained'?: (_convoy_v1_Drained | null);
  'kind'?: "heartbeat"|"objectsAdded"|"objectsRemoved"|"actorExited"|"drained";
}

export interface NodeToHead__Output {
  'heartbeat'?: (_convoy_v1_Heartbeat__Output | null);
  'objectsAdded'?: (_convoy_v1_ObjectsAdded__Output | null);
  'objectsRemoved'?: (_convoy_v1_ObjectsRemoved__Output | null);
  'actorExited'?: (_convoy_v1_ActorExited__Output | null);
  'drained'?: (_convoy_v1_Drained__Output | null);
  'kind'?: "heartbeat"|"objectsAdded"|"objectsRemoved"|"actorExited"|"drained";
}
