// Original file: common.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Where a stored object lives.
 */
export interface ObjectLocation {
  'objectId'?: (string);
  'nodeId'?: (string);
  /**
   * host:port of the node's WorkerService
   */
  'transferAddress'?: (string);
  'size'?: (number | string | Long);
}

/**
 * Where a stored object lives.
 */
export interface ObjectLocation__Output {
  'objectId': (string);
  'nodeId': (string);
  /**
   * host:port of the node's WorkerService
   */
  'transferAddress': (string);
  'size': (number);
}
