// Original file: worker.proto

import type { Arg as _convoy_v1_Arg, Arg__Output as _convoy_v1_Arg__Output } from '../../convoy/v1/Arg.ts';

export interface TaskSpec {
  'taskId'?: (string);
  'leaseId'?: (string);
  /**
   * from RegisterFunctions; 0 for actor calls
   */
  'fnId'?: (number);
  'args'?: (_convoy_v1_Arg)[];
  /**
   * 0: none
   */
  'timeoutMs'?: (number);
  'attempt'?: (number);
  /**
   * set for actor method calls
   */
  'actorId'?: (string);
  /**
   * actor method name
   */
  'method'?: (string);
  /**
   * a system failure of this attempt is retried by its owner (retries left)
   */
  'retryable'?: (boolean);
}

export interface TaskSpec__Output {
  'taskId': (string);
  'leaseId': (string);
  /**
   * from RegisterFunctions; 0 for actor calls
   */
  'fnId': (number);
  'args': (_convoy_v1_Arg__Output)[];
  /**
   * 0: none
   */
  'timeoutMs': (number);
  'attempt': (number);
  /**
   * set for actor method calls
   */
  'actorId': (string);
  /**
   * actor method name
   */
  'method': (string);
  /**
   * a system failure of this attempt is retried by its owner (retries left)
   */
  'retryable': (boolean);
}
