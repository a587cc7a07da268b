// Original file: head.proto


export interface NodeDead {
  'nodeId'?: (string);
  'reason'?: (string);
}

export interface NodeDead__Output {
  'nodeId': (string);
  'reason': (string);
}
