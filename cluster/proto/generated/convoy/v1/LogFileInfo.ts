// Original file: worker.proto

import type { Long } from '@grpc/proto-loader';

export interface LogFileInfo {
  /**
   * node | tasks
   */
  'name'?: (string);
  'bytes'?: (number | string | Long);
}

export interface LogFileInfo__Output {
  /**
   * node | tasks
   */
  'name': (string);
  'bytes': (number);
}
