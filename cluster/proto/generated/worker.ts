import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ActorCreate as _convoy_v1_ActorCreate, ActorCreate__Output as _convoy_v1_ActorCreate__Output } from './convoy/v1/ActorCreate.ts';
import type { ActorEvent as _convoy_v1_ActorEvent, ActorEvent__Output as _convoy_v1_ActorEvent__Output } from './convoy/v1/ActorEvent.ts';
import type { ActorKill as _convoy_v1_ActorKill, ActorKill__Output as _convoy_v1_ActorKill__Output } from './convoy/v1/ActorKill.ts';
import type { Arg as _convoy_v1_Arg, Arg__Output as _convoy_v1_Arg__Output } from './convoy/v1/Arg.ts';
import type { CancelTasks as _convoy_v1_CancelTasks, CancelTasks__Output as _convoy_v1_CancelTasks__Output } from './convoy/v1/CancelTasks.ts';
import type { ClientToWorker as _convoy_v1_ClientToWorker, ClientToWorker__Output as _convoy_v1_ClientToWorker__Output } from './convoy/v1/ClientToWorker.ts';
import type { Empty as _convoy_v1_Empty, Empty__Output as _convoy_v1_Empty__Output } from './convoy/v1/Empty.ts';
import type { ErrorInfo as _convoy_v1_ErrorInfo, ErrorInfo__Output as _convoy_v1_ErrorInfo__Output } from './convoy/v1/ErrorInfo.ts';
import type { FetchObjectRequest as _convoy_v1_FetchObjectRequest, FetchObjectRequest__Output as _convoy_v1_FetchObjectRequest__Output } from './convoy/v1/FetchObjectRequest.ts';
import type { FreeObjectsRequest as _convoy_v1_FreeObjectsRequest, FreeObjectsRequest__Output as _convoy_v1_FreeObjectsRequest__Output } from './convoy/v1/FreeObjectsRequest.ts';
import type { FunctionDescriptor as _convoy_v1_FunctionDescriptor, FunctionDescriptor__Output as _convoy_v1_FunctionDescriptor__Output } from './convoy/v1/FunctionDescriptor.ts';
import type { FunctionEntry as _convoy_v1_FunctionEntry, FunctionEntry__Output as _convoy_v1_FunctionEntry__Output } from './convoy/v1/FunctionEntry.ts';
import type { LeaseClose as _convoy_v1_LeaseClose, LeaseClose__Output as _convoy_v1_LeaseClose__Output } from './convoy/v1/LeaseClose.ts';
import type { LeaseOpen as _convoy_v1_LeaseOpen, LeaseOpen__Output as _convoy_v1_LeaseOpen__Output } from './convoy/v1/LeaseOpen.ts';
import type { ListLogsReply as _convoy_v1_ListLogsReply, ListLogsReply__Output as _convoy_v1_ListLogsReply__Output } from './convoy/v1/ListLogsReply.ts';
import type { ListLogsRequest as _convoy_v1_ListLogsRequest, ListLogsRequest__Output as _convoy_v1_ListLogsRequest__Output } from './convoy/v1/ListLogsRequest.ts';
import type { ListObjectsReply as _convoy_v1_ListObjectsReply, ListObjectsReply__Output as _convoy_v1_ListObjectsReply__Output } from './convoy/v1/ListObjectsReply.ts';
import type { ListObjectsRequest as _convoy_v1_ListObjectsRequest, ListObjectsRequest__Output as _convoy_v1_ListObjectsRequest__Output } from './convoy/v1/ListObjectsRequest.ts';
import type { LogFileInfo as _convoy_v1_LogFileInfo, LogFileInfo__Output as _convoy_v1_LogFileInfo__Output } from './convoy/v1/LogFileInfo.ts';
import type { LogLines as _convoy_v1_LogLines, LogLines__Output as _convoy_v1_LogLines__Output } from './convoy/v1/LogLines.ts';
import type { ObjectChunk as _convoy_v1_ObjectChunk, ObjectChunk__Output as _convoy_v1_ObjectChunk__Output } from './convoy/v1/ObjectChunk.ts';
import type { ObjectLocation as _convoy_v1_ObjectLocation, ObjectLocation__Output as _convoy_v1_ObjectLocation__Output } from './convoy/v1/ObjectLocation.ts';
import type { PutObjectReply as _convoy_v1_PutObjectReply, PutObjectReply__Output as _convoy_v1_PutObjectReply__Output } from './convoy/v1/PutObjectReply.ts';
import type { ReadLogRequest as _convoy_v1_ReadLogRequest, ReadLogRequest__Output as _convoy_v1_ReadLogRequest__Output } from './convoy/v1/ReadLogRequest.ts';
import type { RegisterFunctions as _convoy_v1_RegisterFunctions, RegisterFunctions__Output as _convoy_v1_RegisterFunctions__Output } from './convoy/v1/RegisterFunctions.ts';
import type { Resources as _convoy_v1_Resources, Resources__Output as _convoy_v1_Resources__Output } from './convoy/v1/Resources.ts';
import type { ResultBatch as _convoy_v1_ResultBatch, ResultBatch__Output as _convoy_v1_ResultBatch__Output } from './convoy/v1/ResultBatch.ts';
import type { StoreStats as _convoy_v1_StoreStats, StoreStats__Output as _convoy_v1_StoreStats__Output } from './convoy/v1/StoreStats.ts';
import type { StoredObjectInfo as _convoy_v1_StoredObjectInfo, StoredObjectInfo__Output as _convoy_v1_StoredObjectInfo__Output } from './convoy/v1/StoredObjectInfo.ts';
import type { StreamHello as _convoy_v1_StreamHello, StreamHello__Output as _convoy_v1_StreamHello__Output } from './convoy/v1/StreamHello.ts';
import type { TaskBatch as _convoy_v1_TaskBatch, TaskBatch__Output as _convoy_v1_TaskBatch__Output } from './convoy/v1/TaskBatch.ts';
import type { TaskResult as _convoy_v1_TaskResult, TaskResult__Output as _convoy_v1_TaskResult__Output } from './convoy/v1/TaskResult.ts';
import type { TaskSpec as _convoy_v1_TaskSpec, TaskSpec__Output as _convoy_v1_TaskSpec__Output } from './convoy/v1/TaskSpec.ts';
import type { WorkerServiceClient as _convoy_v1_WorkerServiceClient, WorkerServiceDefinition as _convoy_v1_WorkerServiceDefinition } from './convoy/v1/WorkerService.ts';
import type { WorkerToClient as _convoy_v1_WorkerToClient, WorkerToClient__Output as _convoy_v1_WorkerToClient__Output } from './convoy/v1/WorkerToClient.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  convoy: {
    v1: {
      ActorCreate: MessageTypeDefinition<_convoy_v1_ActorCreate, _convoy_v1_ActorCreate__Output>
      ActorEvent: MessageTypeDefinition<_convoy_v1_ActorEvent, _convoy_v1_ActorEvent__Output>
      ActorKill: MessageTypeDefinition<_convoy_v1_ActorKill, _convoy_v1_ActorKill__Output>
      Arg: MessageTypeDefinition<_convoy_v1_Arg, _convoy_v1_Arg__Output>
      CancelTasks: MessageTypeDefinition<_convoy_v1_CancelTasks, _convoy_v1_CancelTasks__Output>
      ClientToWorker: MessageTypeDefinition<_convoy_v1_ClientToWorker, _convoy_v1_ClientToWorker__Output>
      Empty: MessageTypeDefinition<_convoy_v1_Empty, _convoy_v1_Empty__Output>
      ErrorInfo: MessageTypeDefinition<_convoy_v1_ErrorInfo, _convoy_v1_ErrorInfo__Output>
      FetchObjectRequest: MessageTypeDefinition<_convoy_v1_FetchObjectRequest, _convoy_v1_FetchObjectRequest__Output>
      FreeObjectsRequest: MessageTypeDefinition<_convoy_v1_FreeObjectsRequest, _convoy_v1_FreeObjectsRequest__Output>
      FunctionDescriptor: MessageTypeDefinition<_convoy_v1_FunctionDescriptor, _convoy_v1_FunctionDescriptor__Output>
      FunctionEntry: MessageTypeDefinition<_convoy_v1_FunctionEntry, _convoy_v1_FunctionEntry__Output>
      LeaseClose: MessageTypeDefinition<_convoy_v1_LeaseClose, _convoy_v1_LeaseClose__Output>
      LeaseOpen: MessageTypeDefinition<_convoy_v1_LeaseOpen, _convoy_v1_LeaseOpen__Output>
      ListLogsReply: MessageTypeDefinition<_convoy_v1_ListLogsReply, _convoy_v1_ListLogsReply__Output>
      ListLogsRequest: MessageTypeDefinition<_convoy_v1_ListLogsRequest, _convoy_v1_ListLogsRequest__Output>
      ListObjectsReply: MessageTypeDefinition<_convoy_v1_ListObjectsReply, _convoy_v1_ListObjectsReply__Output>
      ListObjectsRequest: MessageTypeDefinition<_convoy_v1_ListObjectsRequest, _convoy_v1_ListObjectsRequest__Output>
      LogFileInfo: MessageTypeDefinition<_convoy_v1_LogFileInfo, _convoy_v1_LogFileInfo__Output>
      LogLines: MessageTypeDefinition<_convoy_v1_LogLines, _convoy_v1_LogLines__Output>
      ObjectChunk: MessageTypeDefinition<_convoy_v1_ObjectChunk, _convoy_v1_ObjectChunk__Output>
      ObjectLocation: MessageTypeDefinition<_convoy_v1_ObjectLocation, _convoy_v1_ObjectLocation__Output>
      PutObjectReply: MessageTypeDefinition<_convoy_v1_PutObjectReply, _convoy_v1_PutObjectReply__Output>
      ReadLogRequest: MessageTypeDefinition<_convoy_v1_ReadLogRequest, _convoy_v1_ReadLogRequest__Output>
      RegisterFunctions: MessageTypeDefinition<_convoy_v1_RegisterFunctions, _convoy_v1_RegisterFunctions__Output>
      Resources: MessageTypeDefinition<_convoy_v1_Resources, _convoy_v1_Resources__Output>
      ResultBatch: MessageTypeDefinition<_convoy_v1_ResultBatch, _convoy_v1_ResultBatch__Output>
      StoreStats: MessageTypeDefinition<_convoy_v1_StoreStats, _convoy_v1_StoreStats__Output>
      StoredObjectInfo: MessageTypeDefinition<_convoy_v1_StoredObjectInfo, _convoy_v1_StoredObjectInfo__Output>
      StreamHello: MessageTypeDefinition<_convoy_v1_StreamHello, _convoy_v1_StreamHello__Output>
      TaskBatch: MessageTypeDefinition<_convoy_v1_TaskBatch, _convoy_v1_TaskBatch__Output>
      TaskResult: MessageTypeDefinition<_convoy_v1_TaskResult, _convoy_v1_TaskResult__Output>
      TaskSpec: MessageTypeDefinition<_convoy_v1_TaskSpec, _convoy_v1_TaskSpec__Output>
      WorkerService: SubtypeConstructor<typeof grpc.Client, _convoy_v1_WorkerServiceClient> & { service: _convoy_v1_WorkerServiceDefinition }
      WorkerToClient: MessageTypeDefinition<_convoy_v1_WorkerToClient, _convoy_v1_WorkerToClient__Output>
    }
  }
}

