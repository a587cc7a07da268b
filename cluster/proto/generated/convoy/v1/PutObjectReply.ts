// Original file: worker.proto

import type { ObjectLocation as _convoy_v1_ObjectLocation, ObjectLocation__Output as _convoy_v1_ObjectLocation__Output } from '../../convoy/v1/ObjectLocation.ts';

export interface PutObjectReply {
  'location'?: (_convoy_v1_ObjectLocation | null);
}

export interface PutObjectReply__Output {
  'location': (_convoy_v1_ObjectLocation__Output | null);
}
