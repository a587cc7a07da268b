// Original file: head.proto

import type { ObjectLocation as _convoy_v1_ObjectLocation, ObjectLocation__Output as _convoy_v1_ObjectLocation__Output } from '../../convoy/v1/ObjectLocation.ts';

export interface GetObjectLocationsReply {
  'locations'?: (_convoy_v1_ObjectLocation)[];
}

export interface GetObjectLocationsReply__Output {
  'locations': (_convoy_v1_ObjectLocation__Output)[];
}
