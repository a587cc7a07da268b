// Original file: head.proto

import type { Lease as _convoy_v1_Lease, Lease__Output as _convoy_v1_Lease__Output } from '../../convoy/v1/Lease.ts';
import type { Long } from '@grpc/proto-loader';

export interface LeaseGrant {
  'requestId'?: (number | string | Long);
  'leases'?: (_convoy_v1_Lease)[];
}

export interface LeaseGrant__Output {
  'requestId': (number);
  'leases': (_convoy_v1_Lease__Output)[];
}
