// Original file: head.proto

import type { LeaseGrant as _convoy_v1_LeaseGrant, LeaseGrant__Output as _convoy_v1_LeaseGrant__Output } from '../../convoy/v1/LeaseGrant.ts';
import type { LeaseInfeasible as _convoy_v1_LeaseInfeasible, LeaseInfeasible__Output as _convoy_v1_LeaseInfeasible__Output } from '../../convoy/v1/LeaseInfeasible.ts';
import type { LeaseRevoke as _convoy_v1_LeaseRevoke, LeaseRevoke__Output as _convoy_v1_LeaseRevoke__Output } from '../../convoy/v1/LeaseRevoke.ts';
import type { NodeDead as _convoy_v1_NodeDead, NodeDead__Output as _convoy_v1_NodeDead__Output } from '../../convoy/v1/NodeDead.ts';
import type { PlacementGroupState as _convoy_v1_PlacementGroupState, PlacementGroupState__Output as _convoy_v1_PlacementGroupState__Output } from '../../convoy/v1/PlacementGroupState.ts';

export interface HeadToClient {
  'leaseGrant'?: (_convoy_v1_LeaseGrant | null);
  'leaseInfeasible'?: (_convoy_v1_LeaseInfeasible | null);
  'leaseRevoke'?: (_convoy_v1_LeaseRevoke | null);
  'nodeDead'?: (_convoy_v1_NodeDead | null);
  'placementGroupState'?: (_convoy_v1_PlacementGroupState | null);
  'kind'?: "leaseGrant"|"leaseInfeasible"|"leaseRevoke"|"nodeDead"|"placementGroupState";
}

export interface HeadToClient__Output {
  'leaseGrant'?: (_convoy_v1_LeaseGrant__Output | null);
  'leaseInfeasible'?: (_convoy_v1_LeaseInfeasible__Output | null);
  'leaseRevoke'?: (_convoy_v1_LeaseRevoke__Output | null);
  'nodeDead'?: (_convoy_v1_NodeDead__Output | null);
  'placementGroupState'?: (_convoy_v1_PlacementGroupState__Output | null);
  'kind'?: "leaseGrant"|"leaseInfeasible"|"leaseRevoke"|"nodeDead"|"placementGroupState";
}
