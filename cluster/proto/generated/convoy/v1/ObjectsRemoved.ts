// Original file: head.proto


export interface ObjectsRemoved {
  'objectIds'?: (string)[];
}

export interface ObjectsRemoved__Output {
  'objectIds': (string)[];
}
