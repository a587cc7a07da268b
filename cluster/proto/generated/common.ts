import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Arg as _convoy_v1_Arg, Arg__Output as _convoy_v1_Arg__Output } from './convoy/v1/Arg.ts';
import type { Empty as _convoy_v1_Empty, Empty__Output as _convoy_v1_Empty__Output } from './convoy/v1/Empty.ts';
import type { ErrorInfo as _convoy_v1_ErrorInfo, ErrorInfo__Output as _convoy_v1_ErrorInfo__Output } from './convoy/v1/ErrorInfo.ts';
import type { FunctionDescriptor as _convoy_v1_FunctionDescriptor, FunctionDescriptor__Output as _convoy_v1_FunctionDescriptor__Output } from './convoy/v1/FunctionDescriptor.ts';
import type { ObjectLocation as _convoy_v1_ObjectLocation, ObjectLocation__Output as _convoy_v1_ObjectLocation__Output } from './convoy/v1/ObjectLocation.ts';
import type { Resources as _convoy_v1_Resources, Resources__Output as _convoy_v1_Resources__Output } from './convoy/v1/Resources.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  convoy: {
    v1: {
      Arg: MessageTypeDefinition<_convoy_v1_Arg, _convoy_v1_Arg__Output>
      Empty: MessageTypeDefinition<_convoy_v1_Empty, _convoy_v1_Empty__Output>
      ErrorInfo: MessageTypeDefinition<_convoy_v1_ErrorInfo, _convoy_v1_ErrorInfo__Output>
      FunctionDescriptor: MessageTypeDefinition<_convoy_v1_FunctionDescriptor, _convoy_v1_FunctionDescriptor__Output>
      ObjectLocation: MessageTypeDefinition<_convoy_v1_ObjectLocation, _convoy_v1_ObjectLocation__Output>
      Resources: MessageTypeDefinition<_convoy_v1_Resources, _convoy_v1_Resources__Output>
    }
  }
}

