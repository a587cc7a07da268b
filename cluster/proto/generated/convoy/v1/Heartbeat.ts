// Original file: head.proto

import type { Long } from '@grpc/proto-loader';

export interface Heartbeat {
  'nodeId'?: (string);
  'queuedTasks'?: (number);
  /**
   * actor calls not answered yet included
   */
  'runningTasks'?: (number);
  'storeUsedBytes'?: (number | string | Long);
  'storeSpilledBytes'?: (number | string | Long);
  'storeObjects'?: (number);
  'storeBudgetBytes'?: (number | string | Long);
}

export interface Heartbeat__Output {
  'nodeId': (string);
  'queuedTasks': (number);
  /**
   * actor calls not answered yet included
   */
  'runningTasks': (number);
  'storeUsedBytes': (number);
  'storeSpilledBytes': (number);
  'storeObjects': (number);
  'storeBudgetBytes': (number);
}
