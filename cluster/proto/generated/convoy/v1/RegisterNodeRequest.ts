// Original file: head.proto

import type { Resources as _convoy_v1_Resources, Resources__Output as _convoy_v1_Resources__Output } from '../../convoy/v1/Resources.ts';

export interface RegisterNodeRequest {
  /**
   * chosen by the worker (stable across a reconnect)
   */
  'nodeId'?: (string);
  /**
   * host:port of its WorkerService
   */
  'address'?: (string);
  'total'?: (_convoy_v1_Resources | null);
  'labels'?: ({[key: string]: string});
  'pid'?: (number);
  'hostname'?: (string);
}

export interface RegisterNodeRequest__Output {
  /**
   * chosen by the worker (stable across a reconnect)
   */
  'nodeId': (string);
  /**
   * host:port of its WorkerService
   */
  'address': (string);
  'total': (_convoy_v1_Resources__Output | null);
  'labels': ({[key: string]: string});
  'pid': (number);
  'hostname': (string);
}
