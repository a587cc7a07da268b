// Original file: head.proto


export interface GetObjectLocationsRequest {
  'objectIds'?: (string)[];
}

export interface GetObjectLocationsRequest__Output {
  'objectIds': (string)[];
}
