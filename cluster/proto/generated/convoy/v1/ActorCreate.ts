// Original file: worker.proto

import type { FunctionDescriptor as _convoy_v1_FunctionDescriptor, FunctionDescriptor__Output as _convoy_v1_FunctionDescriptor__Output } from '../../convoy/v1/FunctionDescriptor.ts';
import type { Arg as _convoy_v1_Arg, Arg__Output as _convoy_v1_Arg__Output } from '../../convoy/v1/Arg.ts';

export interface ActorCreate {
  'actorId'?: (string);
  'leaseId'?: (string);
  /**
   * export_name is the class name
   */
  'cls'?: (_convoy_v1_FunctionDescriptor | null);
  'args'?: (_convoy_v1_Arg)[];
  /**
   * thread | process
   */
  'isolation'?: (string);
  /**
   * how many times it was restarted before
   */
  'restart'?: (number);
}

export interface ActorCreate__Output {
  'actorId': (string);
  'leaseId': (string);
  /**
   * export_name is the class name
   */
  'cls': (_convoy_v1_FunctionDescriptor__Output | null);
  'args': (_convoy_v1_Arg__Output)[];
  /**
   * thread | process
   */
  'isolation': (string);
  /**
   * how many times it was restarted before
   */
  'restart': (number);
}
