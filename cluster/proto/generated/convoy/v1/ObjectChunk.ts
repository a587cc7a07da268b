// Original file: worker.proto

import type { Long } from '@grpc/proto-loader';

export interface ObjectChunk {
  /**
   * first chunk of a PutObject names the object
   */
  'objectId'?: (string);
  /**
   * first chunk only
   */
  'totalSize'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  'owner'?: (string);
}

export interface ObjectChunk__Output {
  /**
   * first chunk of a PutObject names the object
   */
  'objectId': (string);
  /**
   * first chunk only
   */
  'totalSize': (number);
  'data': (Buffer);
  'owner': (string);
}
