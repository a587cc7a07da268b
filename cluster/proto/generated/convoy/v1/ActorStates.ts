// Original file: head.proto

import type { ActorState as _convoy_v1_ActorState, ActorState__Output as _convoy_v1_ActorState__Output } from '../../convoy/v1/ActorState.ts';

export interface ActorStates {
  'actors'?: (_convoy_v1_ActorState)[];
}

export interface ActorStates__Output {
  'actors': (_convoy_v1_ActorState__Output)[];
}
