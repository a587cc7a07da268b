// Original file: head.proto

import type { ErrorInfo as _convoy_v1_ErrorInfo, ErrorInfo__Output as _convoy_v1_ErrorInfo__Output } from '../../convoy/v1/ErrorInfo.ts';

export interface ActorExited {
  'actorId'?: (string);
  'leaseId'?: (string);
  'reason'?: (_convoy_v1_ErrorInfo | null);
}

export interface ActorExited__Output {
  'actorId': (string);
  'leaseId': (string);
  'reason': (_convoy_v1_ErrorInfo__Output | null);
}
