// Original file: common.proto

import type { ObjectLocation as _convoy_v1_ObjectLocation, ObjectLocation__Output as _convoy_v1_ObjectLocation__Output } from '../../convoy/v1/ObjectLocation.ts';

/**
 * One task or actor-call argument: an encoded value, or a reference to a stored object.
 */
export interface Arg {
  'value'?: (Buffer | Uint8Array | string);
  'ref'?: (_convoy_v1_ObjectLocation | null);
  'kind'?: "value"|"ref";
}

/**
 * One task or actor-call argument: an encoded value, or a reference to a stored object.
 */
export interface Arg__Output {
  'value'?: (Buffer);
  'ref'?: (_convoy_v1_ObjectLocation__Output | null);
  'kind'?: "value"|"ref";
}
