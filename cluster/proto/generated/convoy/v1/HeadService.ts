// Original file: head.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ClientToHead as _convoy_v1_ClientToHead, ClientToHead__Output as _convoy_v1_ClientToHead__Output } from '../../convoy/v1/ClientToHead.ts';
import type { GetClusterStatusReply as _convoy_v1_GetClusterStatusReply, GetClusterStatusReply__Output as _convoy_v1_GetClusterStatusReply__Output } from '../../convoy/v1/GetClusterStatusReply.ts';
import type { GetClusterStatusRequest as _convoy_v1_GetClusterStatusRequest, GetClusterStatusRequest__Output as _convoy_v1_GetClusterStatusRequest__Output } from '../../convoy/v1/GetClusterStatusRequest.ts';
import type { GetObjectLocationsReply as _convoy_v1_GetObjectLocationsReply, GetObjectLocationsReply__Output as _convoy_v1_GetObjectLocationsReply__Output } from '../../convoy/v1/GetObjectLocationsReply.ts';
import type { GetObjectLocationsRequest as _convoy_v1_GetObjectLocationsRequest, GetObjectLocationsRequest__Output as _convoy_v1_GetObjectLocationsRequest__Output } from '../../convoy/v1/GetObjectLocationsRequest.ts';
import type { HeadToClient as _convoy_v1_HeadToClient, HeadToClient__Output as _convoy_v1_HeadToClient__Output } from '../../convoy/v1/HeadToClient.ts';
import type { HeadToNode as _convoy_v1_HeadToNode, HeadToNode__Output as _convoy_v1_HeadToNode__Output } from '../../convoy/v1/HeadToNode.ts';
import type { NodeToHead as _convoy_v1_NodeToHead, NodeToHead__Output as _convoy_v1_NodeToHead__Output } from '../../convoy/v1/NodeToHead.ts';
import type { RegisterNodeReply as _convoy_v1_RegisterNodeReply, RegisterNodeReply__Output as _convoy_v1_RegisterNodeReply__Output } from '../../convoy/v1/RegisterNodeReply.ts';
import type { RegisterNodeRequest as _convoy_v1_RegisterNodeRequest, RegisterNodeRequest__Output as _convoy_v1_RegisterNodeRequest__Output } from '../../convoy/v1/RegisterNodeRequest.ts';

export interface HeadServiceClient extends grpc.Client {
  /**
   * Held open by each client (driver, job, task that submits tasks): leases, object directory, task counts.
   */
  ClientSession(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_ClientToHead, _convoy_v1_HeadToClient__Output>;
  ClientSession(options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_ClientToHead, _convoy_v1_HeadToClient__Output>;
  /**
   * Held open by each client (driver, job, task that submits tasks): leases, object directory, task counts.
   */
  clientSession(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_ClientToHead, _convoy_v1_HeadToClient__Output>;
  clientSession(options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_ClientToHead, _convoy_v1_HeadToClient__Output>;
  
  GetClusterStatus(argument: _convoy_v1_GetClusterStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_GetClusterStatusReply__Output>): grpc.ClientUnaryCall;
  GetClusterStatus(argument: _convoy_v1_GetClusterStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_GetClusterStatusReply__Output>): grpc.ClientUnaryCall;
  GetClusterStatus(argument: _convoy_v1_GetClusterStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_GetClusterStatusReply__Output>): grpc.ClientUnaryCall;
  GetClusterStatus(argument: _convoy_v1_GetClusterStatusRequest, callback: grpc.requestCallback<_convoy_v1_GetClusterStatusReply__Output>): grpc.ClientUnaryCall;
  getClusterStatus(argument: _convoy_v1_GetClusterStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_GetClusterStatusReply__Output>): grpc.ClientUnaryCall;
  getClusterStatus(argument: _convoy_v1_GetClusterStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_GetClusterStatusReply__Output>): grpc.ClientUnaryCall;
  getClusterStatus(argument: _convoy_v1_GetClusterStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_GetClusterStatusReply__Output>): grpc.ClientUnaryCall;
  getClusterStatus(argument: _convoy_v1_GetClusterStatusRequest, callback: grpc.requestCallback<_convoy_v1_GetClusterStatusReply__Output>): grpc.ClientUnaryCall;
  
  GetObjectLocations(argument: _convoy_v1_GetObjectLocationsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_GetObjectLocationsReply__Output>): grpc.ClientUnaryCall;
  GetObjectLocations(argument: _convoy_v1_GetObjectLocationsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_GetObjectLocationsReply__Output>): grpc.ClientUnaryCall;
  GetObjectLocations(argument: _convoy_v1_GetObjectLocationsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_GetObjectLocationsReply__Output>): grpc.ClientUnaryCall;
  GetObjectLocations(argument: _convoy_v1_GetObjectLocationsRequest, callback: grpc.requestCallback<_convoy_v1_GetObjectLocationsReply__Output>): grpc.ClientUnaryCall;
  getObjectLocations(argument: _convoy_v1_GetObjectLocationsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_GetObjectLocationsReply__Output>): grpc.ClientUnaryCall;
  getObjectLocations(argument: _convoy_v1_GetObjectLocationsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_GetObjectLocationsReply__Output>): grpc.ClientUnaryCall;
  getObjectLocations(argument: _convoy_v1_GetObjectLocationsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_GetObjectLocationsReply__Output>): grpc.ClientUnaryCall;
  getObjectLocations(argument: _convoy_v1_GetObjectLocationsRequest, callback: grpc.requestCallback<_convoy_v1_GetObjectLocationsReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Held open by each worker for its whole life: heartbeats up, commands down. Its end marks the node dead.
   */
  NodeSession(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_NodeToHead, _convoy_v1_HeadToNode__Output>;
  NodeSession(options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_NodeToHead, _convoy_v1_HeadToNode__Output>;
  /**
   * Held open by each worker for its whole life: heartbeats up, commands down. Its end marks the node dead.
   */
  nodeSession(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_NodeToHead, _convoy_v1_HeadToNode__Output>;
  nodeSession(options?: grpc.CallOptions): grpc.ClientDuplexStream<_convoy_v1_NodeToHead, _convoy_v1_HeadToNode__Output>;
  
  /**
   * A worker node joins the cluster; the reply carries its node id and the head's HTTP address.
   */
  RegisterNode(argument: _convoy_v1_RegisterNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_RegisterNodeReply__Output>): grpc.ClientUnaryCall;
  RegisterNode(argument: _convoy_v1_RegisterNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_RegisterNodeReply__Output>): grpc.ClientUnaryCall;
  RegisterNode(argument: _convoy_v1_RegisterNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_RegisterNodeReply__Output>): grpc.ClientUnaryCall;
  RegisterNode(argument: _convoy_v1_RegisterNodeRequest, callback: grpc.requestCallback<_convoy_v1_RegisterNodeReply__Output>): grpc.ClientUnaryCall;
  /**
   * A worker node joins the cluster; the reply carries its node id and the head's HTTP address.
   */
  registerNode(argument: _convoy_v1_RegisterNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_RegisterNodeReply__Output>): grpc.ClientUnaryCall;
  registerNode(argument: _convoy_v1_RegisterNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_convoy_v1_RegisterNodeReply__Output>): grpc.ClientUnaryCall;
  registerNode(argument: _convoy_v1_RegisterNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_convoy_v1_RegisterNodeReply__Output>): grpc.ClientUnaryCall;
  registerNode(argument: _convoy_v1_RegisterNodeRequest, callback: grpc.requestCallback<_convoy_v1_RegisterNodeReply__Output>): grpc.ClientUnaryCall;
  
}

export interface HeadServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Held open by each client (driver, job, task that submits tasks): leases, object directory, task counts.
   */
  ClientSession: grpc.handleBidiStreamingCall<_convoy_v1_ClientToHead__Output, _convoy_v1_HeadToClient>;
  
  GetClusterStatus: grpc.handleUnaryCall<_convoy_v1_GetClusterStatusRequest__Output, _convoy_v1_GetClusterStatusReply>;
  
  GetObjectLocations: grpc.handleUnaryCall<_convoy_v1_GetObjectLocationsRequest__Output, _convoy_v1_GetObjectLocationsReply>;
  
  /**
   * Held open by each worker for its whole life: heartbeats up, commands down. Its end marks the node dead.
   */
  NodeSession: grpc.handleBidiStreamingCall<_convoy_v1_NodeToHead__Output, _convoy_v1_HeadToNode>;
  
  /**
   * A worker node joins the cluster; the reply carries its node id and the head's HTTP address.
   */
  RegisterNode: grpc.handleUnaryCall<_convoy_v1_RegisterNodeRequest__Output, _convoy_v1_RegisterNodeReply>;
  
}

export interface HeadServiceDefinition extends grpc.ServiceDefinition {
  ClientSession: MethodDefinition<_convoy_v1_ClientToHead, _convoy_v1_HeadToClient, _convoy_v1_ClientToHead__Output, _convoy_v1_HeadToClient__Output>
  GetClusterStatus: MethodDefinition<_convoy_v1_GetClusterStatusRequest, _convoy_v1_GetClusterStatusReply, _convoy_v1_GetClusterStatusRequest__Output, _convoy_v1_GetClusterStatusReply__Output>
  GetObjectLocations: MethodDefinition<_convoy_v1_GetObjectLocationsRequest, _convoy_v1_GetObjectLocationsReply, _convoy_v1_GetObjectLocationsRequest__Output, _convoy_v1_GetObjectLocationsReply__Output>
  NodeSession: MethodDefinition<_convoy_v1_NodeToHead, _convoy_v1_HeadToNode, _convoy_v1_NodeToHead__Output, _convoy_v1_HeadToNode__Output>
  RegisterNode: MethodDefinition<_convoy_v1_RegisterNodeRequest, _convoy_v1_RegisterNodeReply, _convoy_v1_RegisterNodeRequest__Output, _convoy_v1_RegisterNodeReply__Output>
}
