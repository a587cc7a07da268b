// Original file: head.proto


export interface LeaseReturn {
  'leaseIds'?: (string)[];
}

export interface LeaseReturn__Output {
  'leaseIds': (string)[];
}
