// Original file: head.proto


/**
 * A group the client created, as it stands now (sent on every change); `removed`: it is gone, `reason` says why.
 */
export interface PlacementGroupState {
  'groupId'?: (string);
  /**
   * PENDING | CREATED | RESCHEDULING | REMOVED
   */
  'state'?: (string);
  'reason'?: (string);
  'nodes'?: (string)[];
  'infeasible'?: (boolean);
}

/**
 * A group the client created, as it stands now (sent on every change); `removed`: it is gone, `reason` says why.
 */
export interface PlacementGroupState__Output {
  'groupId': (string);
  /**
   * PENDING | CREATED | RESCHEDULING | REMOVED
   */
  'state': (string);
  'reason': (string);
  'nodes': (string)[];
  'infeasible': (boolean);
}
