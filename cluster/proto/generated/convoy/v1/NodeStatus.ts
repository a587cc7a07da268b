// Original file: head.proto

import type { Resources as _convoy_v1_Resources, Resources__Output as _convoy_v1_Resources__Output } from '../../convoy/v1/Resources.ts';
import type { Heartbeat as _convoy_v1_Heartbeat, Heartbeat__Output as _convoy_v1_Heartbeat__Output } from '../../convoy/v1/Heartbeat.ts';
import type { Long } from '@grpc/proto-loader';

export interface NodeStatus {
  'nodeId'?: (string);
  'address'?: (string);
  /**
   * alive | draining | dead
   */
  'state'?: (string);
  'total'?: (_convoy_v1_Resources | null);
  'available'?: (_convoy_v1_Resources | null);
  'lastHeartbeatMs'?: (number | string | Long);
  'hostname'?: (string);
  'pid'?: (number);
  'load'?: (_convoy_v1_Heartbeat | null);
  'deadReason'?: (string);
  'labels'?: ({[key: string]: string});
}

export interface NodeStatus__Output {
  'nodeId': (string);
  'address': (string);
  /**
   * alive | draining | dead
   */
  'state': (string);
  'total': (_convoy_v1_Resources__Output | null);
  'available': (_convoy_v1_Resources__Output | null);
  'lastHeartbeatMs': (number);
  'hostname': (string);
  'pid': (number);
  'load': (_convoy_v1_Heartbeat__Output | null);
  'deadReason': (string);
  'labels': ({[key: string]: string});
}
