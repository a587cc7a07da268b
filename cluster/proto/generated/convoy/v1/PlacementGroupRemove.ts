// Original file: head.proto


export interface PlacementGroupRemove {
  'groupId'?: (string);
}

export interface PlacementGroupRemove__Output {
  'groupId': (string);
}
