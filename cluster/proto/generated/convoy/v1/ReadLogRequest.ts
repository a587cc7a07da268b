// Original file: worker.proto


export interface ReadLogRequest {
  /**
   * node | tasks: a file this node knows by name, never a path
   */
  'name'?: (string);
  /**
   * the last this many lines (0: the default)
   */
  'tail'?: (number);
  /**
   * then keep sending new lines until the call is cancelled
   */
  'follow'?: (boolean);
  /**
   * tasks only: lines of this task (or actor call)
   */
  'taskId'?: (string);
  /**
   * tasks only: lines of this actor
   */
  'actorId'?: (string);
}

export interface ReadLogRequest__Output {
  /**
   * node | tasks: a file this node knows by name, never a path
   */
  'name': (string);
  /**
   * the last this many lines (0: the default)
   */
  'tail': (number);
  /**
   * then keep sending new lines until the call is cancelled
   */
  'follow': (boolean);
  /**
   * tasks only: lines of this task (or actor call)
   */
  'taskId': (string);
  /**
   * tasks only: lines of this actor
   */
  'actorId': (string);
}
