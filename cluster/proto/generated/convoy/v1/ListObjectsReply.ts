// Original file: worker.proto

import type { StoreStats as _convoy_v1_StoreStats, StoreStats__Output as _convoy_v1_StoreStats__Output } from '../../convoy/v1/StoreStats.ts';
import type { StoredObjectInfo as _convoy_v1_StoredObjectInfo, StoredObjectInfo__Output as _convoy_v1_StoredObjectInfo__Output } from '../../convoy/v1/StoredObjectInfo.ts';

export interface ListObjectsReply {
  'nodeId'?: (string);
  'stats'?: (_convoy_v1_StoreStats | null);
  'objects'?: (_convoy_v1_StoredObjectInfo)[];
}

export interface ListObjectsReply__Output {
  'nodeId': (string);
  'stats': (_convoy_v1_StoreStats__Output | null);
  'objects': (_convoy_v1_StoredObjectInfo__Output)[];
}
