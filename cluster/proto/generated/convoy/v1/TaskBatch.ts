// Original file: worker.proto

import type { TaskSpec as _convoy_v1_TaskSpec, TaskSpec__Output as _convoy_v1_TaskSpec__Output } from '../../convoy/v1/TaskSpec.ts';

export interface TaskBatch {
  'tasks'?: (_convoy_v1_TaskSpec)[];
}

export interface TaskBatch__Output {
  'tasks': (_convoy_v1_TaskSpec__Output)[];
}
