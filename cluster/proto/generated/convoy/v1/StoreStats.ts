// Original file: worker.proto

import type { Long } from '@grpc/proto-loader';

export interface StoreStats {
  'objects'?: (number);
  'usedBytes'?: (number | string | Long);
  'spilledBytes'?: (number | string | Long);
  'spilledObjects'?: (number);
  'diskBytes'?: (number | string | Long);
  'budgetBytes'?: (number | string | Long);
  'pinnedBytes'?: (number | string | Long);
}

export interface StoreStats__Output {
  'objects': (number);
  'usedBytes': (number);
  'spilledBytes': (number);
  'spilledObjects': (number);
  'diskBytes': (number);
  'budgetBytes': (number);
  'pinnedBytes': (number);
}
