// Original file: head.proto

import type { Long } from '@grpc/proto-loader';

/**
 * `convoy drain`: the node's leases are back; finish the tasks and actor calls running now, then send
 * Drained and exit. Sent again (with a new limit) when the drain's deadline changes or passes.
 */
export interface Drain {
  'reason'?: (string);
  /**
   * false: wait as long as the running work takes
   */
  'hasDeadline'?: (boolean);
  /**
   * with a deadline: how long from now; 0 = stop what remains at once
   */
  'graceMs'?: (number | string | Long);
}

/**
 * `convoy drain`: the node's leases are back; finish the tasks and actor calls running now, then send
 * Drained and exit. Sent again (with a new limit) when the drain's deadline changes or passes.
 */
export interface Drain__Output {
  'reason': (string);
  /**
   * false: wait as long as the running work takes
   */
  'hasDeadline': (boolean);
  /**
   * with a deadline: how long from now; 0 = stop what remains at once
   */
  'graceMs': (number);
}
