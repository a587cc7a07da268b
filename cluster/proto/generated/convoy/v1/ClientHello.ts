// Original file: head.proto


export interface ClientHello {
  'clientId'?: (string);
  /**
   * driver | job | task
   */
  'kind'?: (string);
  'jobId'?: (string);
  'pid'?: (number);
}

export interface ClientHello__Output {
  'clientId': (string);
  /**
   * driver | job | task
   */
  'kind': (string);
  'jobId': (string);
  'pid': (number);
}
