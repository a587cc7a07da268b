// Original file: head.proto

import type { ObjectLocation as _convoy_v1_ObjectLocation, ObjectLocation__Output as _convoy_v1_ObjectLocation__Output } from '../../convoy/v1/ObjectLocation.ts';

/**
 * `listing`: these are every copy the node holds (sent when it registers again); the head forgets the others.
 */
export interface ObjectsAdded {
  'objects'?: (_convoy_v1_ObjectLocation)[];
  'owners'?: (string)[];
  'listing'?: (boolean);
}

/**
 * `listing`: these are every copy the node holds (sent when it registers again); the head forgets the others.
 */
export interface ObjectsAdded__Output {
  'objects': (_convoy_v1_ObjectLocation__Output)[];
  'owners': (string)[];
  'listing': (boolean);
}
