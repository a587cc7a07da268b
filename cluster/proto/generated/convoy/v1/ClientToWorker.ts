// Original file: worker.proto

import type { StreamHello as _convoy_v1_StreamHello, StreamHello__Output as _convoy_v1_StreamHello__Output } from '../../convoy/v1/StreamHello.ts';
import type { RegisterFunctions as _convoy_v1_RegisterFunctions, RegisterFunctions__Output as _convoy_v1_RegisterFunctions__Output } from '../../convoy/v1/RegisterFunctions.ts';
import type { TaskBatch as _convoy_v1_TaskBatch, TaskBatch__Output as _convoy_v1_TaskBatch__Output } from '../../convoy/v1/TaskBatch.ts';
import type { CancelTasks as _convoy_v1_CancelTasks, CancelTasks__Output as _convoy_v1_CancelTasks__Output } from '../../convoy/v1/CancelTasks.ts';
import type { LeaseOpen as _convoy_v1_LeaseOpen, LeaseOpen__Output as _convoy_v1_LeaseOpen__Output } from '../../convoy/v1/LeaseOpen.ts';
import type { LeaseClose as _convoy_v1_LeaseClose, LeaseClose__Output as _convoy_v1_LeaseClose__Output } from '../../convoy/v1/LeaseClose.ts';
import type { ActorCreate as _convoy_v1_ActorCreate, ActorCreate__Output as _convoy_v1_ActorCreate__Output } from '../../convoy/v1/ActorCreate.ts';
import type { ActorKill as _convoy_v1_ActorKill, ActorKill__Output as _convoy_v1_ActorKill__Output } from '../../convoy/v1/ActorKill.ts';

export interface ClientToWorker {
  'hello'?: (_convoy_v1_StreamHello | null);
  'functions'?: (_convoy_v1_RegisterFunctions | null);
  'tasks'?: (_convoy_v1_TaskBatch | null);
  'cancel'?: (_convoy_v1_CancelTasks | null);
  'leaseOpen'?: (_convoy_v1_LeaseOpen | null);
  'leaseClose'?: (_convoy_v1_LeaseClose | null);
  'actorCreate'?: (_convoy_v1_ActorCreate | null);
  'actorKill'?: (_convoy_v1_ActorKill | null);
  'kind'?: "hello"|"functions"|"tasks"|"cancel"|"leaseOpen"|"leaseClose"|"actorCreate"|"actorKill";
}

export interface ClientToWorker__Output {
  'hello'?: (_convoy_v1_StreamHello__Output | null);
  'functions'?: (_convoy_v1_RegisterFunctions__Output | null);
  'tasks'?: (_convoy_v1_TaskBatch__Output | null);
  'cancel'?: (_convoy_v1_CancelTasks__Output | null);
  'leaseOpen'?: (_convoy_v1_LeaseOpen__Output | null);
  'leaseClose'?: (_convoy_v1_LeaseClose__Output | null);
  'actorCreate'?: (_convoy_v1_ActorCreate__Output | null);
  'actorKill'?: (_convoy_v1_ActorKill__Output | null);
  'kind'?: "hello"|"functions"|"tasks"|"cancel"|"leaseOpen"|"leaseClose"|"actorCreate"|"actorKill";
}
