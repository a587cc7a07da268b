// Original file: head.proto


/**
 * A TaskEntry of cluster/api/head-api.ts; the head adds the owner's job. Times in ms since the epoch, 0: unknown.
 */
export interface TaskEvent {
  'taskId'?: (string);
  'name'?: (string);
  /**
   * running | finished | failed
   */
  'state'?: (string);
  'nodeId'?: (string);
  'attempt'?: (number);
  'submittedAt'?: (number | string);
  'startedAt'?: (number | string);
  'endedAt'?: (number | string);
  'error'?: (string);
}

/**
 * A TaskEntry of cluster/api/head-api.ts; the head adds the owner's job. Times in ms since the epoch, 0: unknown.
 */
export interface TaskEvent__Output {
  'taskId': (string);
  'name': (string);
  /**
   * running | finished | failed
   */
  'state': (string);
  'nodeId': (string);
  'attempt': (number);
  'submittedAt': (number);
  'startedAt': (number);
  'endedAt': (number);
  'error': (string);
}
