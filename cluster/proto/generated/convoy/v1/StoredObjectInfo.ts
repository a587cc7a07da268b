// Original file: worker.proto

import type { Long } from '@grpc/proto-loader';

export interface StoredObjectInfo {
  'objectId'?: (string);
  'size'?: (number | string | Long);
  'owner'?: (string);
  'secondary'?: (boolean);
  /**
   * memory | spilling | disk | remote
   */
  'place'?: (string);
  'pins'?: (number);
}

export interface StoredObjectInfo__Output {
  'objectId': (string);
  'size': (number);
  'owner': (string);
  'secondary': (boolean);
  /**
   * memory | spilling | disk | remote
   */
  'place': (string);
  'pins': (number);
}
