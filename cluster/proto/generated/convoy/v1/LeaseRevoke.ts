// Original file: head.proto


export interface LeaseRevoke {
  'leaseIds'?: (string)[];
}

export interface LeaseRevoke__Output {
  'leaseIds': (string)[];
}
