// Original file: head.proto

import type { Resources as _convoy_v1_Resources, Resources__Output as _convoy_v1_Resources__Output } from '../../convoy/v1/Resources.ts';

/**
 * An ActorInfo of cluster/api/head-api.ts less owner and job, which the head knows from the session.
 */
export interface ActorState {
  'actorId'?: (string);
  'className'?: (string);
  'name'?: (string);
  'state'?: (string);
  'nodeId'?: (string);
  'restarts'?: (number);
  'pendingCalls'?: (number);
  'resources'?: (_convoy_v1_Resources | null);
  'deathReason'?: (string);
}

/**
 * An ActorInfo of cluster/api/head-api.ts less owner and job, which the head knows from the session.
 */
export interface ActorState__Output {
  'actorId': (string);
  'className': (string);
  'name': (string);
  'state': (string);
  'nodeId': (string);
  'restarts': (number);
  'pendingCalls': (number);
  'resources': (_convoy_v1_Resources__Output | null);
  'deathReason': (string);
}
