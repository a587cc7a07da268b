// Original file: head.proto

import type { TaskEvent as _convoy_v1_TaskEvent, TaskEvent__Output as _convoy_v1_TaskEvent__Output } from '../../convoy/v1/TaskEvent.ts';
import type { Long } from '@grpc/proto-loader';

export interface TaskEvents {
  'events'?: (_convoy_v1_TaskEvent)[];
  /**
   * events the owner shed since its last report (more than it may send)
   */
  'dropped'?: (number | string | Long);
}

export interface TaskEvents__Output {
  'events': (_convoy_v1_TaskEvent__Output)[];
  /**
   * events the owner shed since its last report (more than it may send)
   */
  'dropped': (number);
}
