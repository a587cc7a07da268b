// Original file: worker.proto


export interface StreamHello {
  'clientId'?: (string);
  /**
   * the owner's job ('' for none): tags what its tasks print (`convoy logs`)
   */
  'jobId'?: (string);
}

export interface StreamHello__Output {
  'clientId': (string);
  /**
   * the owner's job ('' for none): tags what its tasks print (`convoy logs`)
   */
  'jobId': (string);
}
