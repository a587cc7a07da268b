// Original file: worker.proto

import type { Resources as _convoy_v1_Resources, Resources__Output as _convoy_v1_Resources__Output } from '../../convoy/v1/Resources.ts';

export interface LeaseOpen {
  'leaseId'?: (string);
  'resources'?: (_convoy_v1_Resources | null);
  'gpuIds'?: (number)[];
}

export interface LeaseOpen__Output {
  'leaseId': (string);
  'resources': (_convoy_v1_Resources__Output | null);
  'gpuIds': (number)[];
}
