// Original file: worker.proto

import type { FunctionDescriptor as _convoy_v1_FunctionDescriptor, FunctionDescriptor__Output as _convoy_v1_FunctionDescriptor__Output } from '../../convoy/v1/FunctionDescriptor.ts';

export interface FunctionEntry {
  'fnId'?: (number);
  'fn'?: (_convoy_v1_FunctionDescriptor | null);
}

export interface FunctionEntry__Output {
  'fnId': (number);
  'fn': (_convoy_v1_FunctionDescriptor__Output | null);
}
