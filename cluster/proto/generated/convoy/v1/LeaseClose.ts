// Original file: worker.proto


export interface LeaseClose {
  'leaseId'?: (string);
}

export interface LeaseClose__Output {
  'leaseId': (string);
}
