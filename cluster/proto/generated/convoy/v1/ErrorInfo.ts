// Original file: common.proto

import type { ErrorInfo as _convoy_v1_ErrorInfo, ErrorInfo__Output as _convoy_v1_ErrorInfo__Output } from '../../convoy/v1/ErrorInfo.ts';

/**
 * An error that crossed a process boundary: rebuilt on the other side from `name` (see cluster/common/errors.ts).
 */
export interface ErrorInfo {
  'name'?: (string);
  'message'?: (string);
  'stack'?: (string);
  /**
   * the error class's data fields, JSON
   */
  'dataJson'?: (string);
  'cause'?: (_convoy_v1_ErrorInfo | null);
}

/**
 * An error that crossed a process boundary: rebuilt on the other side from `name` (see cluster/common/errors.ts).
 */
export interface ErrorInfo__Output {
  'name': (string);
  'message': (string);
  'stack': (string);
  /**
   * the error class's data fields, JSON
   */
  'dataJson': (string);
  'cause': (_convoy_v1_ErrorInfo__Output | null);
}
