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
  /**
   * host:port of the node's data plane (raw object bytes over a plain socket, see
   * cluster/transport/data-plane-*.ts); empty when the node has none, e.g. on a TLS cluster: use transfer_address.
   */
  'dataAddress'?: (string);
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
  /**
   * host:port of the node's data plane (raw object bytes over a plain socket, see
   * cluster/transport/data-plane-*.ts); empty when the node has none, e.g. on a TLS cluster: use transfer_address.
   */
  'dataAddress': (string);
}
