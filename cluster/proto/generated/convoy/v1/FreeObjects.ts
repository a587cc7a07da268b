// Original file: head.proto


export interface FreeObjects {
  'objectIds'?: (string)[];
}

export interface FreeObjects__Output {
  'objectIds': (string)[];
}
