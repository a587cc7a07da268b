// Original file: head.proto

import type { Resources as _convoy_v1_Resources, Resources__Output as _convoy_v1_Resources__Output } from '../../convoy/v1/Resources.ts';

export interface Lease {
  'leaseId'?: (string);
  'nodeId'?: (string);
  'address'?: (string);
  'resources'?: (_convoy_v1_Resources | null);
  'gpuIds'?: (number)[];
}

export interface Lease__Output {
  'leaseId': (string);
  'nodeId': (string);
  'address': (string);
  'resources': (_convoy_v1_Resources__Output | null);
  'gpuIds': (number)[];
}
