// Original file: worker.proto


export interface ListObjectsRequest {
}

export interface ListObjectsRequest__Output {
}
