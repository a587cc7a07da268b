// Original file: head.proto

import type { Long } from '@grpc/proto-loader';

export interface LeaseRequestCancel {
  'requestId'?: (number | string | Long);
}

export interface LeaseRequestCancel__Output {
  'requestId': (number);
}
