// Original file: head.proto

import type { FreeObjects as _convoy_v1_FreeObjects, FreeObjects__Output as _convoy_v1_FreeObjects__Output } from '../../convoy/v1/FreeObjects.ts';
import type { Shutdown as _convoy_v1_Shutdown, Shutdown__Output as _convoy_v1_Shutdown__Output } from '../../convoy/v1/Shutdown.ts';
import type { Drain as _convoy_v1_Drain, Drain__Output as _convoy_v1_Drain__Output } from '../../convoy/v1/Drain.ts';

export interface HeadToNode {
  'freeObjects'?: (_convoy_v1_FreeObjects | null);
  'shutdown'?: (_convoy_v1_Shutdown | null);
  'drain'?: (_convoy_v1_Drain | null);
  'kind'?: "freeObjects"|"shutdown"|"drain";
}

export interface HeadToNode__Output {
  'freeObjects'?: (_convoy_v1_FreeObjects__Output | null);
  'shutdown'?: (_convoy_v1_Shutdown__Output | null);
  'drain'?: (_convoy_v1_Drain__Output | null);
  'kind'?: "freeObjects"|"shutdown"|"drain";
}
