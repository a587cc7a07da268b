// Original file: head.proto


export interface RegisterNodeReply {
  'nodeId'?: (string);
  /**
   * the head's jobs/dashboard HTTP address, for package downloads
   */
  'httpAddress'?: (string);
  'heartbeatIntervalMs'?: (number);
}

export interface RegisterNodeReply__Output {
  'nodeId': (string);
  /**
   * the head's jobs/dashboard HTTP address, for package downloads
   */
  'httpAddress': (string);
  'heartbeatIntervalMs': (number);
}
