import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ActorExited as _convoy_v1_ActorExited, ActorExited__Output as _convoy_v1_ActorExited__Output } from './convoy/v1/ActorExited.ts';
import type { ActorState as _convoy_v1_ActorState, ActorState__Output as _convoy_v1_ActorState__Output } from './convoy/v1/ActorState.ts';
import type { ActorStates as _convoy_v1_ActorStates, ActorStates__Output as _convoy_v1_ActorStates__Output } from './convoy/v1/ActorStates.ts';
import type { Arg as _convoy_v1_Arg, Arg__Output as _convoy_v1_Arg__Output } from './convoy/v1/Arg.ts';
import type { ClientHello as _convoy_v1_ClientHello, ClientHello__Output as _convoy_v1_ClientHello__Output } from './convoy/v1/ClientHello.ts';
import type { ClientToHead as _convoy_v1_ClientToHead, ClientToHead__Output as _convoy_v1_ClientToHead__Output } from './convoy/v1/ClientToHead.ts';
import type { Drain as _convoy_v1_Drain, Drain__Output as _convoy_v1_Drain__Output } from './convoy/v1/Drain.ts';
import type { Drained as _convoy_v1_Drained, Drained__Output as _convoy_v1_Drained__Output } from './convoy/v1/Drained.ts';
import type { Empty as _convoy_v1_Empty, Empty__Output as _convoy_v1_Empty__Output } from './convoy/v1/Empty.ts';
import type { ErrorInfo as _convoy_v1_ErrorInfo, ErrorInfo__Output as _convoy_v1_ErrorInfo__Output } from './convoy/v1/ErrorInfo.ts';
import type { FreeObjects as _convoy_v1_FreeObjects, FreeObjects__Output as _convoy_v1_FreeObjects__Output } from './convoy/v1/FreeObjects.ts';
import type { FunctionDescriptor as _convoy_v1_FunctionDescriptor, FunctionDescriptor__Output as _convoy_v1_FunctionDescriptor__Output } from './convoy/v1/FunctionDescriptor.ts';
import type { GetClusterStatusReply as _convoy_v1_GetClusterStatusReply, GetClusterStatusReply__Output as _convoy_v1_GetClusterStatusReply__Output } from './convoy/v1/GetClusterStatusReply.ts';
import type { GetClusterStatusRequest as _convoy_v1_GetClusterStatusRequest, GetClusterStatusRequest__Output as _convoy_v1_GetClusterStatusRequest__Output } from './convoy/v1/GetClusterStatusRequest.ts';
import type { GetObjectLocationsReply as _convoy_v1_GetObjectLocationsReply, GetObjectLocationsReply__Output as _convoy_v1_GetObjectLocationsReply__Output } from './convoy/v1/GetObjectLocationsReply.ts';
import type { GetObjectLocationsRequest as _convoy_v1_GetObjectLocationsRequest, GetObjectLocationsRequest__Output as _convoy_v1_GetObjectLocationsRequest__Output } from './convoy/v1/GetObjectLocationsRequest.ts';
import type { HeadServiceClient as _convoy_v1_HeadServiceClient, HeadServiceDefinition as _convoy_v1_HeadServiceDefinition } from './convoy/v1/HeadService.ts';
import type { HeadToClient as _convoy_v1_HeadToClient, HeadToClient__Output as _convoy_v1_HeadToClient__Output } from './convoy/v1/HeadToClient.ts';
import type { HeadToNode as _convoy_v1_HeadToNode, HeadToNode__Output as _convoy_v1_HeadToNode__Output } from './convoy/v1/HeadToNode.ts';
import type { Heartbeat as _convoy_v1_Heartbeat, Heartbeat__Output as _convoy_v1_Heartbeat__Output } from './convoy/v1/Heartbeat.ts';
import type { Lease as _convoy_v1_Lease, Lease__Output as _convoy_v1_Lease__Output } from './convoy/v1/Lease.ts';
import type { LeaseGrant as _convoy_v1_LeaseGrant, LeaseGrant__Output as _convoy_v1_LeaseGrant__Output } from './convoy/v1/LeaseGrant.ts';
import type { LeaseInfeasible as _convoy_v1_LeaseInfeasible, LeaseInfeasible__Output as _convoy_v1_LeaseInfeasible__Output } from './convoy/v1/LeaseInfeasible.ts';
import type { LeaseRequest as _convoy_v1_LeaseRequest, LeaseRequest__Output as _convoy_v1_LeaseRequest__Output } from './convoy/v1/LeaseRequest.ts';
import type { LeaseRequestCancel as _convoy_v1_LeaseRequestCancel, LeaseRequestCancel__Output as _convoy_v1_LeaseRequestCancel__Output } from './convoy/v1/LeaseRequestCancel.ts';
import type { LeaseReturn as _convoy_v1_LeaseReturn, LeaseReturn__Output as _convoy_v1_LeaseReturn__Output } from './convoy/v1/LeaseReturn.ts';
import type { LeaseRevoke as _convoy_v1_LeaseRevoke, LeaseRevoke__Output as _convoy_v1_LeaseRevoke__Output } from './convoy/v1/LeaseRevoke.ts';
import type { NodeDead as _convoy_v1_NodeDead, NodeDead__Output as _convoy_v1_NodeDead__Output } from './convoy/v1/NodeDead.ts';
import type { NodeStatus as _convoy_v1_NodeStatus, NodeStatus__Output as _convoy_v1_NodeStatus__Output } from './convoy/v1/NodeStatus.ts';
import type { NodeToHead as _convoy_v1_NodeToHead, NodeToHead__Output as _convoy_v1_NodeToHead__Output } from './convoy/v1/NodeToHead.ts';
import type { ObjectLocation as _convoy_v1_ObjectLocation, ObjectLocation__Output as _convoy_v1_ObjectLocation__Output } from './convoy/v1/ObjectLocation.ts';
import type { ObjectsAdded as _convoy_v1_ObjectsAdded, ObjectsAdded__Output as _convoy_v1_ObjectsAdded__Output } from './convoy/v1/ObjectsAdded.ts';
import type { ObjectsRemoved as _convoy_v1_ObjectsRemoved, ObjectsRemoved__Output as _convoy_v1_ObjectsRemoved__Output } from './convoy/v1/ObjectsRemoved.ts';
import type { PendingDemand as _convoy_v1_PendingDemand, PendingDemand__Output as _convoy_v1_PendingDemand__Output } from './convoy/v1/PendingDemand.ts';
import type { PlacementGroupCreate as _convoy_v1_PlacementGroupCreate, PlacementGroupCreate__Output as _convoy_v1_PlacementGroupCreate__Output } from './convoy/v1/PlacementGroupCreate.ts';
import type { PlacementGroupRemove as _convoy_v1_PlacementGroupRemove, PlacementGroupRemove__Output as _convoy_v1_PlacementGroupRemove__Output } from './convoy/v1/PlacementGroupRemove.ts';
import type { PlacementGroupState as _convoy_v1_PlacementGroupState, PlacementGroupState__Output as _convoy_v1_PlacementGroupState__Output } from './convoy/v1/PlacementGroupState.ts';
import type { Progress as _convoy_v1_Progress, Progress__Output as _convoy_v1_Progress__Output } from './convoy/v1/Progress.ts';
import type { RegisterNodeReply as _convoy_v1_RegisterNodeReply, RegisterNodeReply__Output as _convoy_v1_RegisterNodeReply__Output } from './convoy/v1/RegisterNodeReply.ts';
import type { RegisterNodeRequest as _convoy_v1_RegisterNodeRequest, RegisterNodeRequest__Output as _convoy_v1_RegisterNodeRequest__Output } from './convoy/v1/RegisterNodeRequest.ts';
import type { Resources as _convoy_v1_Resources, Resources__Output as _convoy_v1_Resources__Output } from './convoy/v1/Resources.ts';
import type { Shutdown as _convoy_v1_Shutdown, Shutdown__Output as _convoy_v1_Shutdown__Output } from './convoy/v1/Shutdown.ts';
import type { TaskCounts as _convoy_v1_TaskCounts, TaskCounts__Output as _convoy_v1_TaskCounts__Output } from './convoy/v1/TaskCounts.ts';
import type { TaskEvent as _convoy_v1_TaskEvent, TaskEvent__Output as _convoy_v1_TaskEvent__Output } from './convoy/v1/TaskEvent.ts';
import type { TaskEvents as _convoy_v1_TaskEvents, TaskEvents__Output as _convoy_v1_TaskEvents__Output } from './convoy/v1/TaskEvents.ts';
import type { TuneReport as _convoy_v1_TuneReport, TuneReport__Output as _convoy_v1_TuneReport__Output } from './convoy/v1/TuneReport.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  convoy: {
    v1: {
      ActorExited: MessageTypeDefinition<_convoy_v1_ActorExited, _convoy_v1_ActorExited__Output>
      ActorState: MessageTypeDefinition<_convoy_v1_ActorState, _convoy_v1_ActorState__Output>
      ActorStates: MessageTypeDefinition<_convoy_v1_ActorStates, _convoy_v1_ActorStates__Output>
      Arg: MessageTypeDefinition<_convoy_v1_Arg, _convoy_v1_Arg__Output>
      ClientHello: MessageTypeDefinition<_convoy_v1_ClientHello, _convoy_v1_ClientHello__Output>
      ClientToHead: MessageTypeDefinition<_convoy_v1_ClientToHead, _convoy_v1_ClientToHead__Output>
      Drain: MessageTypeDefinition<_convoy_v1_Drain, _convoy_v1_Drain__Output>
      Drained: MessageTypeDefinition<_convoy_v1_Drained, _convoy_v1_Drained__Output>
      Empty: MessageTypeDefinition<_convoy_v1_Empty, _convoy_v1_Empty__Output>
      ErrorInfo: MessageTypeDefinition<_convoy_v1_ErrorInfo, _convoy_v1_ErrorInfo__Output>
      FreeObjects: MessageTypeDefinition<_convoy_v1_FreeObjects, _convoy_v1_FreeObjects__Output>
      FunctionDescriptor: MessageTypeDefinition<_convoy_v1_FunctionDescriptor, _convoy_v1_FunctionDescriptor__Output>
      GetClusterStatusReply: MessageTypeDefinition<_convoy_v1_GetClusterStatusReply, _convoy_v1_GetClusterStatusReply__Output>
      GetClusterStatusRequest: MessageTypeDefinition<_convoy_v1_GetClusterStatusRequest, _convoy_v1_GetClusterStatusRequest__Output>
      GetObjectLocationsReply: MessageTypeDefinition<_convoy_v1_GetObjectLocationsReply, _convoy_v1_GetObjectLocationsReply__Output>
      GetObjectLocationsRequest: MessageTypeDefinition<_convoy_v1_GetObjectLocationsRequest, _convoy_v1_GetObjectLocationsRequest__Output>
      HeadService: SubtypeConstructor<typeof grpc.Client, _convoy_v1_HeadServiceClient> & { service: _convoy_v1_HeadServiceDefinition }
      HeadToClient: MessageTypeDefinition<_convoy_v1_HeadToClient, _convoy_v1_HeadToClient__Output>
      HeadToNode: MessageTypeDefinition<_convoy_v1_HeadToNode, _convoy_v1_HeadToNode__Output>
      Heartbeat: MessageTypeDefinition<_convoy_v1_Heartbeat, _convoy_v1_Heartbeat__Output>
      Lease: MessageTypeDefinition<_convoy_v1_Lease, _convoy_v1_Lease__Output>
      LeaseGrant: MessageTypeDefinition<_convoy_v1_LeaseGrant, _convoy_v1_LeaseGrant__Output>
      LeaseInfeasible: MessageTypeDefinition<_convoy_v1_LeaseInfeasible, _convoy_v1_LeaseInfeasible__Output>
      LeaseRequest: MessageTypeDefinition<_convoy_v1_LeaseRequest, _convoy_v1_LeaseRequest__Output>
      LeaseRequestCancel: MessageTypeDefinition<_convoy_v1_LeaseRequestCancel, _convoy_v1_LeaseRequestCancel__Output>
      LeaseReturn: MessageTypeDefinition<_convoy_v1_LeaseReturn, _convoy_v1_LeaseReturn__Output>
      LeaseRevoke: MessageTypeDefinition<_convoy_v1_LeaseRevoke, _convoy_v1_LeaseRevoke__Output>
      NodeDead: MessageTypeDefinition<_convoy_v1_NodeDead, _convoy_v1_NodeDead__Output>
      NodeStatus: MessageTypeDefinition<_convoy_v1_NodeStatus, _convoy_v1_NodeStatus__Output>
      NodeToHead: MessageTypeDefinition<_convoy_v1_NodeToHead, _convoy_v1_NodeToHead__Output>
      ObjectLocation: MessageTypeDefinition<_convoy_v1_ObjectLocation, _convoy_v1_ObjectLocation__Output>
      ObjectsAdded: MessageTypeDefinition<_convoy_v1_ObjectsAdded, _convoy_v1_ObjectsAdded__Output>
      ObjectsRemoved: MessageTypeDefinition<_convoy_v1_ObjectsRemoved, _convoy_v1_ObjectsRemoved__Output>
      PendingDemand: MessageTypeDefinition<_convoy_v1_PendingDemand, _convoy_v1_PendingDemand__Output>
      PlacementGroupCreate: MessageTypeDefinition<_convoy_v1_PlacementGroupCreate, _convoy_v1_PlacementGroupCreate__Output>
      PlacementGroupRemove: MessageTypeDefinition<_convoy_v1_PlacementGroupRemove, _convoy_v1_PlacementGroupRemove__Output>
      PlacementGroupState: MessageTypeDefinition<_convoy_v1_PlacementGroupState, _convoy_v1_PlacementGroupState__Output>
      PlacementStrategy: EnumTypeDefinition
      Progress: MessageTypeDefinition<_convoy_v1_Progress, _convoy_v1_Progress__Output>
      RegisterNodeReply: MessageTypeDefinition<_convoy_v1_RegisterNodeReply, _convoy_v1_RegisterNodeReply__Output>
      RegisterNodeRequest: MessageTypeDefinition<_convoy_v1_RegisterNodeRequest, _convoy_v1_RegisterNodeRequest__Output>
      Resources: MessageTypeDefinition<_convoy_v1_Resources, _convoy_v1_Resources__Output>
      Shutdown: MessageTypeDefinition<_convoy_v1_Shutdown, _convoy_v1_Shutdown__Output>
      TaskCounts: MessageTypeDefinition<_convoy_v1_TaskCounts, _convoy_v1_TaskCounts__Output>
      TaskEvent: MessageTypeDefinition<_convoy_v1_TaskEvent, _convoy_v1_TaskEvent__Output>
      TaskEvents: MessageTypeDefinition<_convoy_v1_TaskEvents, _convoy_v1_TaskEvents__Output>
      TuneReport: MessageTypeDefinition<_convoy_v1_TuneReport, _convoy_v1_TuneReport__Output>
    }
  }
}

