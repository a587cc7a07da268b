// Original file: head.proto


/**
 * JSON of a TuneRunSummary (cluster/api/head-api.ts): trial configs are free-form, so JSON, checked by the head.
 */
export interface TuneReport {
  'runJson'?: (string);
}

/**
 * JSON of a TuneRunSummary (cluster/api/head-api.ts): trial configs are free-form, so JSON, checked by the head.
 */
export interface TuneReport__Output {
  'runJson': (string);
}
