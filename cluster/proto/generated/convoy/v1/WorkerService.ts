// Original file: worker.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ClientToWorker as _convoy_v1_ClientToWorker, ClientToWorker__Output as _convoy_v1_ClientToWorker__Output } from '../../convoy/v1/ClientToWorker.ts';
import type { Empty as _convoy_v1_Empty, Empty__Output as _convoy_v1_Empty__Output } from '../../convoy/v1/Empty.ts';
import type { FetchObjectRequest as _convoy_v1_FetchObjectRequest, FetchObjectRequest__Output as _convoy_v1_FetchObjectRequest__Output } from '../../convoy/v1/FetchObjectRequest.ts';
import type { FreeObjectsRequest as _convoy_v1_FreeObjectsRequest, FreeObjectsRequest__Output as _convoy_v1_FreeObjectsRequest__Output } from '../../convoy/v1/FreeObjectsRequest.ts';
import type { ListLogsReply as _convoy_v1_ListLogsReply, ListLogsReply__Output as _convoy_v1_ListLogsReply__Output } from '../../convoy/v1/ListLogsReply.ts';
import type { ListLogsRequest as _convoy_v1_ListLogsRequest, ListLogsRequest__Output as _convoy_v1_ListLogsRequest__Output } from '../../convoy/v1/ListLogsRequest.ts';
import type { ListObjectsReply as _convoy_v1_ListObjectsReply, ListObjectsReply__Output as _convoy_v1_ListObjectsReply__Output } from '../../convoy/v1/ListObjectsReply.ts';
import type { ListObjectsRequest as _convoy_v1_ListObjectsRequest, ListObjectsRequest__Output as _convoy_v1_ListObjectsRequest__Output } from '../../convoy/v1/ListObjectsRequest.ts';
import type { LogLines as _convoy_v1_LogLines, LogLines__Output as _convoy_v1_LogLines__Output } from '../../convoy/v1/LogLines.ts';
import type { ObjectChunk as _convoy_v1_ObjectChunk, ObjectChunk__Output as _convoy_v1_ObjectChunk__Output } from '../../convoy/v1/ObjectChunk.ts';
import type { PutObjectReply as _convoy_v1_PutObjectReply, PutObjectReply__Output as _convoy_v1_PutObjectReply__Output } from '../../convoy/v1/PutObjectReply.ts';
import type { ReadLogRequest as _convoy_v1_ReadLogRequest, ReadLogRequest__Output as _convoy_v1_ReadLogRequest__Output } from '../../convoy/v1/ReadLogRequest.ts';
import type { WorkerToClient as _convoy_v1_WorkerToClient, WorkerToClient__Output as _convoy_v1_WorkerToClient__Output } from '../../convoy/v1/WorkerToClient.ts';

export interface WorkerServiceClient extends grpc.Client {
  /**
   * Streams a stored object in chunks (flow-controlled by HTTP/2).
   */
  FetchObject(argument: _convoy_v1_FetchObjectRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_convoy_v1_ObjectChunk__Output>;
  FetchObject(argument: _convoy_v1_FetchObjectRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_convoy_v1_ObjectChunk__Output>;
  /**
   * Streams a stored object in chunks (flow-controlled by HTTP/2).
   */
  fetchObject(argument: _convoy_v1_FetchObjectRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_convoy_v1_ObjectChunk__Output>;
  fetchObject(argument: _convoy_v1_FetchObjectRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_convoy_v1_ObjectChunk__Output>;
  
  FreeObjects(argument: _convoy_v1_FreeObjectsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_Empty__Output>): grpc.ClientUnaryCall;
  FreeObjects(argument: _convoy_v1_FreeObjectsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_Empty__Output>): grpc.ClientUnaryCall;
  FreeObjects(argument: _convoy_v1_FreeObjectsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_Empty__Output>): grpc.ClientUnaryCall;
  FreeObjects(argument: _convoy_v1_FreeObjectsRequest, callback: grpc.requestCallback<_convoy_v1_Empty__Output>): grpc.ClientUnaryCall;
  freeObjects(argument: _convoy_v1_FreeObjectsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_Empty__Output>): grpc.ClientUnaryCall;
  freeObjects(argument: _convoy_v1_FreeObjectsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_Empty__Output>): grpc.ClientUnaryCall;
  freeObjects(argument: _convoy_v1_FreeObjectsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_Empty__Output>): grpc.ClientUnaryCall;
  freeObjects(argument: _convoy_v1_FreeObjectsRequest, callback: grpc.requestCallback<_convoy_v1_Empty__Output>): grpc.ClientUnaryCall;
  
  /**
   * This node's log files (its own log, its tasks' tagged output), for `convoy logs`.
   */
  ListLogs(argument: _convoy_v1_ListLogsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_ListLogsReply__Output>): grpc.ClientUnaryCall;
  ListLogs(argument: _convoy_v1_ListLogsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_ListLogsReply__Output>): grpc.ClientUnaryCall;
  ListLogs(argument: _convoy_v1_ListLogsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_ListLogsReply__Output>): grpc.ClientUnaryCall;
  ListLogs(argument: _convoy_v1_ListLogsRequest, callback: grpc.requestCallback<_convoy_v1_ListLogsReply__Output>): grpc.ClientUnaryCall;
  /**
   * This node's log files (its own log, its tasks' tagged output), for `convoy logs`.
   */
  listLogs(argument: _convoy_v1_ListLogsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_ListLogsReply__Output>): grpc.ClientUnaryCall;
  listLogs(argument: _convoy_v1_ListLogsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_ListLogsReply__Output>): grpc.ClientUnaryCall;
  listLogs(argument: _convoy_v1_ListLogsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_ListLogsReply__Output>): grpc.ClientUnaryCall;
  listLogs(argument: _convoy_v1_ListLogsRequest, callback: grpc.requestCallback<_convoy_v1_ListLogsReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * What this node's store holds, for `convoy memory`.
   */
  ListObjects(argument: _convoy_v1_ListObjectsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_ListObjectsReply__Output>): grpc.ClientUnaryCall;
  ListObjects(argument: _convoy_v1_ListObjectsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_ListObjectsReply__Output>): grpc.ClientUnaryCall;
  ListObjects(argument: _convoy_v1_ListObjectsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_ListObjectsReply__Output>): grpc.ClientUnaryCall;
  ListObjects(argument: _convoy_v1_ListObjectsRequest, callback: grpc.requestCallback<_convoy_v1_ListObjectsReply__Output>): grpc.ClientUnaryCall;
  /**
   * What this node's store holds, for `convoy memory`.
   */
  listObjects(argument: _convoy_v1_ListObjectsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_ListObjectsReply__Output>): grpc.ClientUnaryCall;
  listObjects(argument: _convoy_v1_ListObjectsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_ListObjectsReply__Output>): grpc.ClientUnaryCall;
  listObjects(argument: _convoy_v1_ListObjectsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_ListObjectsReply__Output>): grpc.ClientUnaryCall;
  listObjects(argument: _convoy_v1_ListObjectsRequest, callback: grpc.requestCallback<_convoy_v1_ListObjectsReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Stores an object sent by a client (ray.put of a large value).
   */
  PutObject(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_PutObjectReply__Output>): grpc.ClientWritableStream<_convoy_v1_ObjectChunk>;
  PutObject(metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_PutObjectReply__Output>): grpc.ClientWritableStream<_convoy_v1_ObjectChunk>;
  PutObject(options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_PutObjectReply__Output>): grpc.ClientWritableStream<_convoy_v1_ObjectChunk>;
  PutObject(callback: grpc.requestCallback<_convoy_v1_PutObjectReply__Output>): grpc.ClientWritableStream<_convoy_v1_ObjectChunk>;
  /**
   * Stores an object sent by a client (ray.put of a large value).
   */
  putObject(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_PutObjectReply__Output>): grpc.ClientWritableStream<_convoy_v1_ObjectChunk>;
  putObject(metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_PutObjectReply__Output>): grpc.ClientWritableStream<_convoy_v1_ObjectChunk>;
  putObject(options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_PutObjectReply__Output>): grpc.ClientWritableStream<_convoy_v1_ObjectChunk>;
  putObject(callback: grpc.requestCallback<_convoy_v1_PutObjectReply__Output>): grpc.ClientWritableStream<_convoy_v1_ObjectChunk>;
  
  /**
   * Lines of one of them: the last `tail` (of one task or actor), then, with `follow`, new ones as they come.
   */
  ReadLog(argument: _convoy_v1_ReadLogRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_convoy_v1_LogLines__Output>;
  ReadLog(argument: _convoy_v1_ReadLogRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_convoy_v1_LogLines__Output>;
  /**
   * Lines of one of them: the last `tail` (of one task or actor), then, with `follow`, new ones as they come.
   */
  readLog(argument: _convoy_v1_ReadLogRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_convoy_v1_LogLines__Output>;
  readLog(argument: _convoy_v1_ReadLogRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_convoy_v1_LogLines__Output>;
  
  /**
   * One long-lived stream per (client, worker): task batches in, result batches out.
   */
  TaskStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_ClientToWorker, _convoy_v1_WorkerToClient__Output>;
  TaskStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_ClientToWorker, _convoy_v1_WorkerToClient__Output>;
  /**
   * One long-lived stream per (client, worker): task batches in, result batches out.
   */
  taskStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_ClientToWorker, _convoy_v1_WorkerToClient__Output>;
  taskStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_ClientToWorker, _convoy_v1_WorkerToClient__Output>;
  
}

export interface WorkerServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Streams a stored object in chunks (flow-controlled by HTTP/2).
   */
  FetchObject: grpc.handleServerStreamingCall<_convoy_v1_FetchObjectRequest__Output, _convoy_v1_ObjectChunk>;
  
  FreeObjects: grpc.handleUnaryCall<_convoy_v1_FreeObjectsRequest__Output, _convoy_v1_Empty>;
  
  /**
   * This node's log files (its own log, its tasks' tagged output), for `convoy logs`.
   */
  ListLogs: grpc.handleUnaryCall<_convoy_v1_ListLogsRequest__Output, _convoy_v1_ListLogsReply>;
  
  /**
   * What this node's store holds, for `convoy memory`.
   */
  ListObjects: grpc.handleUnaryCall<_convoy_v1_ListObjectsRequest__Output, _convoy_v1_ListObjectsReply>;
  
  /**
   * Stores an object sent by a client (ray.put of a large value).
   */
  PutObject: grpc.handleClientStreamingCall<_convoy_v1_ObjectChunk__Output, _convoy_v1_PutObjectReply>;
  
  /**
   * Lines of one of them: the last `tail` (of one task or actor), then, with `follow`, new ones as they come.
   */
  ReadLog: grpc.handleServerStreamingCall<_convoy_v1_ReadLogRequest__Output, _convoy_v1_LogLines>;
  
  /**
   * One long-lived stream per (client, worker): task batches in, result batches out.
   */
  TaskStream: grpc.handleBidiStreamingCall<_convoy_v1_ClientToWorker__Output, _convoy_v1_WorkerToClient>;
  
}

export interface WorkerServiceDefinition extends grpc.ServiceDefinition {
  FetchObject: MethodDefinition<_convoy_v1_FetchObjectRequest, _convoy_v1_ObjectChunk, _convoy_v1_FetchObjectRequest__Output, _convoy_v1_ObjectChunk__Output>
  FreeObjects: MethodDefinition<_convoy_v1_FreeObjectsRequest, _convoy_v1_Empty, _convoy_v1_FreeObjectsRequest__Output, _convoy_v1_Empty__Output>
  ListLogs: MethodDefinition<_convoy_v1_ListLogsRequest, _convoy_v1_ListLogsReply, _convoy_v1_ListLogsRequest__Output, _convoy_v1_ListLogsReply__Output>
  ListObjects: MethodDefinition<_convoy_v1_ListObjectsRequest, _convoy_v1_ListObjectsReply, _convoy_v1_ListObjectsRequest__Output, _convoy_v1_ListObjectsReply__Output>
  PutObject: MethodDefinition<_convoy_v1_ObjectChunk, _convoy_v1_PutObjectReply, _convoy_v1_ObjectChunk__Output, _convoy_v1_PutObjectReply__Output>
  ReadLog: MethodDefinition<_convoy_v1_ReadLogRequest, _convoy_v1_LogLines, _convoy_v1_ReadLogRequest__Output, _convoy_v1_LogLines__Output>
  TaskStream: MethodDefinition<_convoy_v1_ClientToWorker, _convoy_v1_WorkerToClient, _convoy_v1_ClientToWorker__Output, _convoy_v1_WorkerToClient__Output>
}
