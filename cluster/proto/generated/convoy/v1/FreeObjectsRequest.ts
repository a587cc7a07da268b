// Original file: worker.proto


export interface FreeObjectsRequest {
  'objectIds'?: (string)[];
}

export interface FreeObjectsRequest__Output {
  'objectIds': (string)[];
}
