// Original file: head.proto


/**
 * The node finished its drain and is leaving: the head lists it dead, reason "drained".
 */
export interface Drained {
  /**
   * tasks and actor calls still running as it left (past the deadline, or calls that came after the drain began)
   */
  'stoppedTasks'?: (number);
}

/**
 * The node finished its drain and is leaving: the head lists it dead, reason "drained".
 */
export interface Drained__Output {
  /**
   * tasks and actor calls still running as it left (past the deadline, or calls that came after the drain began)
   */
  'stoppedTasks': (number);
}
