// Original file: worker.proto

import type { ErrorInfo as _convoy_v1_ErrorInfo, ErrorInfo__Output as _convoy_v1_ErrorInfo__Output } from '../../convoy/v1/ErrorInfo.ts';

export interface ActorEvent {
  'actorId'?: (string);
  /**
   * alive | dead
   */
  'state'?: (string);
  'error'?: (_convoy_v1_ErrorInfo | null);
}

export interface ActorEvent__Output {
  'actorId': (string);
  /**
   * alive | dead
   */
  'state': (string);
  'error': (_convoy_v1_ErrorInfo__Output | null);
}
