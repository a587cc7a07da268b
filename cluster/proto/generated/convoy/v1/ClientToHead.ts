// Original file: head.proto

import type { ClientHello as _convoy_v1_ClientHello, ClientHello__Output as _convoy_v1_ClientHello__Output } from '../../convoy/v1/ClientHello.ts';
import type { LeaseRequest as _convoy_v1_LeaseRequest, LeaseRequest__Output as _convoy_v1_LeaseRequest__Output } from '../../convoy/v1/LeaseRequest.ts';
import type { LeaseReturn as _convoy_v1_LeaseReturn, LeaseReturn__Output as _convoy_v1_LeaseReturn__Output } from '../../convoy/v1/LeaseReturn.ts';
import type { LeaseRequestCancel as _convoy_v1_LeaseRequestCancel, LeaseRequestCancel__Output as _convoy_v1_LeaseRequestCancel__Output } from '../../convoy/v1/LeaseRequestCancel.ts';
import type { TaskCounts as _convoy_v1_TaskCounts, TaskCounts__Output as _convoy_v1_TaskCounts__Output } from '../../convoy/v1/TaskCounts.ts';
import type { FreeObjects as _convoy_v1_FreeObjects, FreeObjects__Output as _convoy_v1_FreeObjects__Output } from '../../convoy/v1/FreeObjects.ts';
import type { Empty as _convoy_v1_Empty, Empty__Output as _convoy_v1_Empty__Output } from '../../convoy/v1/Empty.ts';
import type { Progress as _convoy_v1_Progress, Progress__Output as _convoy_v1_Progress__Output } from '../../convoy/v1/Progress.ts';
import type { TuneReport as _convoy_v1_TuneReport, TuneReport__Output as _convoy_v1_TuneReport__Output } from '../../convoy/v1/TuneReport.ts';
import type { TaskEvents as _convoy_v1_TaskEvents, TaskEvents__Output as _convoy_v1_TaskEvents__Output } from '../../convoy/v1/TaskEvents.ts';
import type { ActorStates as _convoy_v1_ActorStates, ActorStates__Output as _convoy_v1_ActorStates__Output } from '../../convoy/v1/ActorStates.ts';
import type { PlacementGroupCreate as _convoy_v1_PlacementGroupCreate, PlacementGroupCreate__Output as _convoy_v1_PlacementGroupCreate__Output } from '../../convoy/v1/PlacementGroupCreate.ts';
import type { PlacementGroupRemove as _convoy_v1_PlacementGroupRemove, PlacementGroupRemove__Output as _convoy_v1_PlacementGroupRemove__Output } from '../../convoy/v1/PlacementGroupRemove.ts';

/**
 * ---- client session ----
 */
export interface ClientToHead {
  'hello'?: (_convoy_v1_ClientHello | null);
  'leaseRequest'?: (_convoy_v1_LeaseRequest | null);
  'leaseReturn'?: (_convoy_v1_LeaseReturn | null);
  'leaseRequestCancel'?: (_convoy_v1_LeaseRequestCancel | null);
  'taskCounts'?: (_convoy_v1_TaskCounts | null);
  /**
   * the owner dropped its last reference: delete every copy
   */
  'freeObjects'?: (_convoy_v1_FreeObjects | null);
  /**
   * closing on purpose: release everything now, no reconnect grace
   */
  'goodbye'?: (_convoy_v1_Empty | null);
  /**
   * long work reports how far it is, for the dashboard
   */
  'progress'?: (_convoy_v1_Progress | null);
  /**
   * a tune run's trials as they stand, for the head's history
   */
  'tuneReport'?: (_convoy_v1_TuneReport | null);
  /**
   * tasks pushed and settled since the last report, for the head's task log
   */
  'taskEvents'?: (_convoy_v1_TaskEvents | null);
  /**
   * every actor the client owns, as they stand (sent when one changed)
   */
  'actorStates'?: (_convoy_v1_ActorStates | null);
  /**
   * sent again after a reconnect: the head answers with its state
   */
  'placementGroupCreate'?: (_convoy_v1_PlacementGroupCreate | null);
  'placementGroupRemove'?: (_convoy_v1_PlacementGroupRemove | null);
  'kind'?: "hello"|"leaseRequest"|"leaseReturn"|"leaseRequestCancel"|"taskCounts"|"freeObjects"|"goodbye"|"progress"|"tuneReport"|"taskEvents"|"actorStates"|"placementGroupCreate"|"placementGroupRemove";
}

/**
 * ---- client session ----
 */
export interface ClientToHead__Output {
  'hello'?: (_convoy_v1_ClientHello__Output | null);
  'leaseRequest'?: (_convoy_v1_LeaseRequest__Output | null);
  'leaseReturn'?: (_convoy_v1_LeaseReturn__Output | null);
  'leaseRequestCancel'?: (_convoy_v1_LeaseRequestCancel__Output | null);
  'taskCounts'?: (_convoy_v1_TaskCounts__Output | null);
  /**
   * the owner dropped its last reference: delete every copy
   */
  'freeObjects'?: (_convoy_v1_FreeObjects__Output | null);
  /**
   * closing on purpose: release everything now, no reconnect grace
   */
  'goodbye'?: (_convoy_v1_Empty__Output | null);
  /**
   * long work reports how far it is, for the dashboard
   */
  'progress'?: (_convoy_v1_Progress__Output | null);
  /**
   * a tune run's trials as they stand, for the head's history
   */
  'tuneReport'?: (_convoy_v1_TuneReport__Output | null);
  /**
   * tasks pushed and settled since the last report, for the head's task log
   */
  'taskEvents'?: (_convoy_v1_TaskEvents__Output | null);
  /**
   * every actor the client owns, as they stand (sent when one changed)
   */
  'actorStates'?: (_convoy_v1_ActorStates__Output | null);
  /**
   * sent again after a reconnect: the head answers with its state
   */
  'placementGroupCreate'?: (_convoy_v1_PlacementGroupCreate__Output | null);
  'placementGroupRemove'?: (_convoy_v1_PlacementGroupRemove__Output | null);
  'kind'?: "hello"|"leaseRequest"|"leaseReturn"|"leaseRequestCancel"|"taskCounts"|"freeObjects"|"goodbye"|"progress"|"tuneReport"|"taskEvents"|"actorStates"|"placementGroupCreate"|"placementGroupRemove";
}
