// Original file: head.proto

import type { NodeStatus as _convoy_v1_NodeStatus, NodeStatus__Output as _convoy_v1_NodeStatus__Output } from '../../convoy/v1/NodeStatus.ts';
import type { PendingDemand as _convoy_v1_PendingDemand, PendingDemand__Output as _convoy_v1_PendingDemand__Output } from '../../convoy/v1/PendingDemand.ts';
import type { Long } from '@grpc/proto-loader';

export interface GetClusterStatusReply {
  'nodes'?: (_convoy_v1_NodeStatus)[];
  'tasksByState'?: ({[key: string]: number | string | Long});
  'pending'?: (_convoy_v1_PendingDemand)[];
  'clients'?: (number);
  'leases'?: (number);
  'startedAtMs'?: (number | string | Long);
  'version'?: (string);
  'objects'?: (number);
  'objectBytes'?: (number | string | Long);
  /**
   * the jobs API and dashboard
   */
  'httpAddress'?: (string);
}

export interface GetClusterStatusReply__Output {
  'nodes': (_convoy_v1_NodeStatus__Output)[];
  'tasksByState': ({[key: string]: number});
  'pending': (_convoy_v1_PendingDemand__Output)[];
  'clients': (number);
  'leases': (number);
  'startedAtMs': (number);
  'version': (string);
  'objects': (number);
  'objectBytes': (number);
  /**
   * the jobs API and dashboard
   */
  'httpAddress': (string);
}
