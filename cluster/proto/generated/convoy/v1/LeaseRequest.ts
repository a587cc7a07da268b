// Original file: head.proto

import type { Resources as _convoy_v1_Resources, Resources__Output as _convoy_v1_Resources__Output } from '../../convoy/v1/Resources.ts';
import type { PlacementStrategy as _convoy_v1_PlacementStrategy, PlacementStrategy__Output as _convoy_v1_PlacementStrategy__Output } from '../../convoy/v1/PlacementStrategy.ts';
import type { Long } from '@grpc/proto-loader';

export interface LeaseRequest {
  'requestId'?: (number | string | Long);
  'resources'?: (_convoy_v1_Resources | null);
  /**
   * how many leases of this shape the client could use now
   */
  'count'?: (number);
  'strategy'?: (_convoy_v1_PlacementStrategy);
  /**
   * locality: nodes holding the tasks' argument objects
   */
  'preferredNodes'?: (string)[];
  /**
   * e.g. the function name, for status and warnings
   */
  'description'?: (string);
  /**
   * an actor lease: held for the actor's life, never revoked
   */
  'actor'?: (boolean);
  /**
   * run in this placement group's bundle ('' for none)
   */
  'placementGroupId'?: (string);
  /**
   * which bundle; -1: any of them
   */
  'bundleIndex'?: (number);
}

export interface LeaseRequest__Output {
  'requestId': (number);
  'resources': (_convoy_v1_Resources__Output | null);
  /**
   * how many leases of this shape the client could use now
   */
  'count': (number);
  'strategy': (_convoy_v1_PlacementStrategy__Output);
  /**
   * locality: nodes holding the tasks' argument objects
   */
  'preferredNodes': (string)[];
  /**
   * e.g. the function name, for status and warnings
   */
  'description': (string);
  /**
   * an actor lease: held for the actor's life, never revoked
   */
  'actor': (boolean);
  /**
   * run in this placement group's bundle ('' for none)
   */
  'placementGroupId': (string);
  /**
   * which bundle; -1: any of them
   */
  'bundleIndex': (number);
}
