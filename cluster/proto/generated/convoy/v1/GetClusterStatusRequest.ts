// Original file: head.proto


/**
 * ---- status ----
 */
export interface GetClusterStatusRequest {
}

/**
 * ---- status ----
 */
export interface GetClusterStatusRequest__Output {
}
