// Original file: worker.proto

import type { ObjectLocation as _convoy_v1_ObjectLocation, ObjectLocation__Output as _convoy_v1_ObjectLocation__Output } from '../../convoy/v1/ObjectLocation.ts';
import type { ErrorInfo as _convoy_v1_ErrorInfo, ErrorInfo__Output as _convoy_v1_ErrorInfo__Output } from '../../convoy/v1/ErrorInfo.ts';

export interface TaskResult {
  'taskId'?: (string);
  /**
   * small results travel inline
   */
  'value'?: (Buffer | Uint8Array | string);
  /**
   * larger ones stay in the node's store
   */
  'stored'?: (_convoy_v1_ObjectLocation | null);
  'error'?: (_convoy_v1_ErrorInfo | null);
  /**
   * the executor died (retryable), as opposed to the task throwing
   */
  'systemError'?: (boolean);
  'attempt'?: (number);
  /**
   * time spent in the task function (not queueing): sizes the owner's pipeline
   */
  'runMicros'?: (number);
  'outcome'?: "value"|"stored"|"error";
}

export interface TaskResult__Output {
  'taskId': (string);
  /**
   * small results travel inline
   */
  'value'?: (Buffer);
  /**
   * larger ones stay in the node's store
   */
  'stored'?: (_convoy_v1_ObjectLocation__Output | null);
  'error'?: (_convoy_v1_ErrorInfo__Output | null);
  /**
   * the executor died (retryable), as opposed to the task throwing
   */
  'systemError': (boolean);
  'attempt': (number);
  /**
   * time spent in the task function (not queueing): sizes the owner's pipeline
   */
  'runMicros': (number);
  'outcome'?: "value"|"stored"|"error";
}
