// Original file: head.proto

import type { Resources as _convoy_v1_Resources, Resources__Output as _convoy_v1_Resources__Output } from '../../convoy/v1/Resources.ts';

/**
 * Bundles reserved all or nothing (scheduler/placement-groups.ts). The client picks the id.
 */
export interface PlacementGroupCreate {
  'groupId'?: (string);
  'name'?: (string);
  /**
   * PACK | SPREAD | STRICT_PACK | STRICT_SPREAD
   */
  'strategy'?: (string);
  'bundles'?: (_convoy_v1_Resources)[];
}

/**
 * Bundles reserved all or nothing (scheduler/placement-groups.ts). The client picks the id.
 */
export interface PlacementGroupCreate__Output {
  'groupId': (string);
  'name': (string);
  /**
   * PACK | SPREAD | STRICT_PACK | STRICT_SPREAD
   */
  'strategy': (string);
  'bundles': (_convoy_v1_Resources__Output)[];
}
