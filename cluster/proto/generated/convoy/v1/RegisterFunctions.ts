// Original file: worker.proto

import type { FunctionEntry as _convoy_v1_FunctionEntry, FunctionEntry__Output as _convoy_v1_FunctionEntry__Output } from '../../convoy/v1/FunctionEntry.ts';

export interface RegisterFunctions {
  'entries'?: (_convoy_v1_FunctionEntry)[];
}

export interface RegisterFunctions__Output {
  'entries': (_convoy_v1_FunctionEntry__Output)[];
}
