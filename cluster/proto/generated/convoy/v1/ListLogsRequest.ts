// Original file: worker.proto


export interface ListLogsRequest {
}

export interface ListLogsRequest__Output {
}
