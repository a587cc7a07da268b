// Original file: worker.proto

import type { TaskResult as _convoy_v1_TaskResult, TaskResult__Output as _convoy_v1_TaskResult__Output } from '../../convoy/v1/TaskResult.ts';

export interface ResultBatch {
  'results'?: (_convoy_v1_TaskResult)[];
}

export interface ResultBatch__Output {
  'results': (_convoy_v1_TaskResult__Output)[];
}
