// Original file: head.proto

import type { Resources as _convoy_v1_Resources, Resources__Output as _convoy_v1_Resources__Output } from '../../convoy/v1/Resources.ts';
import type { Long } from '@grpc/proto-loader';

export interface PendingDemand {
  'clientId'?: (string);
  'resources'?: (_convoy_v1_Resources | null);
  'count'?: (number);
  'description'?: (string);
  'infeasible'?: (boolean);
  'reason'?: (string);
  'sinceMs'?: (number | string | Long);
}

export interface PendingDemand__Output {
  'clientId': (string);
  'resources': (_convoy_v1_Resources__Output | null);
  'count': (number);
  'description': (string);
  'infeasible': (boolean);
  'reason': (string);
  'sinceMs': (number);
}
