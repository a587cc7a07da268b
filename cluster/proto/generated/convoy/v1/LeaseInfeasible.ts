// Original file: head.proto

import type { Long } from '@grpc/proto-loader';

export interface LeaseInfeasible {
  'requestId'?: (number | string | Long);
  'reason'?: (string);
}

export interface LeaseInfeasible__Output {
  'requestId': (number);
  'reason': (string);
}
