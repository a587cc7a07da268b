/**
 * The client's session with the head: lease requests and returns go up, grants, revokes, infeasibility
 * warnings and node deaths come down. One long-lived stream, so a lease costs no extra round trip setup.
 */
import { EventEmitter } from 'node:events';
import { AuthError, ConnectError, grpcFailureDetail } from '../common/errors.ts';
import { loadProtos, type HeadServiceClient } from '../proto/load.ts';
import { channelCredentials, clientOptions, grpc, mapGrpcError, type TlsOptions } from '../transport/grpc.ts';
import type { ClientToHead } from '../proto/generated/convoy/v1/ClientToHead.ts';
import type { HeadToClient__Output } from '../proto/generated/convoy/v1/HeadToClient.ts';
import type { GetClusterStatusReply__Output } from '../proto/generated/convoy/v1/GetClusterStatusReply.ts';
import type { ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import { compileActorStates, compileLeaseRequest, compilePlacementGroupCreate, decompilePlacementGroupState, type PlacementGroupNews, type PlacementGroupSpec, compileProgress, compileTaskCounts, compileTaskEvents, compileTuneReport, decompileLease, type ActorReport, type GrantedLease, type TaskEvent } from '../proto/convert.ts';
import type { TuneRunSummary } from '../api/head-api.ts';
import type { ResourceVector } from '../../scheduler/resources.ts';
import type { PlacementStrategy } from '../../scheduler/placement/types.ts';
import type { BundleRef } from '../../scheduler/placement-groups.ts';

export interface HeadEvents {
  grant: [requestId: number, leases: GrantedLease[]];
  infeasible: [requestId: number, reason: string];
  revoke: [leaseIds: string[]];
  nodeDead: [nodeId: string, reason: string];
  placementGroup: [news: PlacementGroupNews];
  lost: [reason: string];
}

/** How long close() lets the session's last messages reach the head before it closes the channel regardless. */
const CLOSE_FLUSH_MS = 3000;

export class HeadConnection extends EventEmitter<HeadEvents> {
  readonly client: HeadServiceClient;
  #session: grpc.ClientDuplexStream<ClientToHead, HeadToClient__Output> | undefined;
  #closed = false;

  constructor(
    readonly address: string,
    token: string,
    tls: TlsOptions | undefined,
    private readonly hello: { clientId: string; kind: string; jobId: string },
  ) {
    super();
    const { head } = loadProtos();
    this.client = new head.convoy.v1.HeadService(address, channelCredentials(tls), clientOptions(token)) as unknown as HeadServiceClient;
  }

  /** Waits for the head (a status call checks the token too), then opens the session stream. */
  async open(timeoutMs: number): Promise<void> {
    try {
      await this.status(timeoutMs);
    } catch (err) {
      if (err instanceof AuthError || err instanceof ConnectError) throw err;
      throw new ConnectError(this.address, (err as Error).message, { cause: err });
    }
    if (this.#closed) return;
    const session = this.client.ClientSession();
    this.#session = session;
    session.on('data', (m: HeadToClient__Output) => this.#onMessage(m));
    const lost = (why: string) => {
      const farewell = this.#farewell?.session === session ? this.#farewell : undefined;
      if (this.#session !== session && !farewell) return;
      this.#session = undefined;
      if (!this.#closed) this.emit('lost', why);
      farewell?.done(false);
    };
    session.on('error', (err) => lost(err.message));
    session.on('end', () => {
      // After a goodbye, the head ending the session is its answer: it has read everything written before.
      if (this.#farewell?.session === session) return this.#farewell.done(true);
      lost('the head ended the session');
    });
    session.write({ hello: { clientId: this.hello.clientId, kind: this.hello.kind, jobId: this.hello.jobId, pid: process.pid } });
  }

  #onMessage(m: HeadToClient__Output): void {
    switch (m.kind) {
      case 'leaseGrant':
        this.emit('grant', Number(m.leaseGrant!.requestId), m.leaseGrant!.leases.map(decompileLease));
        return;
      case 'leaseInfeasible':
        this.emit('infeasible', Number(m.leaseInfeasible!.requestId), m.leaseInfeasible!.reason);
        return;
      case 'leaseRevoke':
        this.emit('revoke', m.leaseRevoke!.leaseIds);
        return;
      case 'nodeDead':
        this.emit('nodeDead', m.nodeDead!.nodeId, m.nodeDead!.reason);
        return;
      case 'placementGroupState':
        this.emit('placementGroup', decompilePlacementGroupState(m.placementGroupState!));
        return;
    }
  }

  requestLeases(r: {
    requestId: number;
    resources: ResourceVector;
    count: number;
    strategy: PlacementStrategy;
    preferredNodes?: string[];
    actor?: boolean;
    description: string;
    bundle?: BundleRef;
  }): void {
    this.#write({ leaseRequest: compileLeaseRequest({ ...r, preferredNodes: r.preferredNodes ?? [], actor: r.actor ?? false }) });
  }

  createPlacementGroup(spec: PlacementGroupSpec): void {
    this.#write({ placementGroupCreate: compilePlacementGroupCreate(spec) });
  }

  removePlacementGroup(groupId: string): void {
    this.#write({ placementGroupRemove: { groupId } });
  }

  returnLeases(leaseIds: string[]): void {
    if (leaseIds.length) this.#write({ leaseReturn: { leaseIds } });
  }

  progress(p: { id: string; label: string; done: number; total: number; rate: number; etaS: number | null; extra?: Record<string, unknown> }): void {
    this.#write({ progress: compileProgress(p) });
  }

  /** The latest report of each tune run, sent again after a reconnect: one written while the head was away is lost. */
  readonly #tuneReports = new Map<string, TuneRunSummary>();

  tuneReport(run: TuneRunSummary): void {
    this.#tuneReports.set(run.name, run);
    this.#write({ tuneReport: compileTuneReport(run) });
  }

  resendTuneReports(): void {
    for (const run of this.#tuneReports.values()) this.#write({ tuneReport: compileTuneReport(run) });
  }

  freeObjects(objectIds: string[]): void {
    if (objectIds.length) this.#write({ freeObjects: { objectIds } });
  }

  /** Task attempts pushed and settled since the last report, for the head's task log (task-events.ts). */
  taskEvents(events: readonly TaskEvent[], dropped: number): void {
    this.#write({ taskEvents: compileTaskEvents(events, dropped) });
  }

  /** Every actor this client owns, as they stand (head's actor list). */
  actorStates(actors: readonly ActorReport[]): void {
    this.#write({ actorStates: compileActorStates(actors) });
  }

  reportCounts(byState: Record<string, number>): void {
    this.#write({ taskCounts: compileTaskCounts(byState) });
  }

  #write(msg: ClientToHead): void {
    try {
      this.#session?.write(msg);
    } catch {
      // the session is gone; 'lost' has been or will be emitted
    }
  }

  /**
   * The head's status. A head that cannot be reached or refuses the token rejects with ConnectError or
   * AuthError worded for the user (not grpc-js's "14 UNAVAILABLE: No connection established…").
   */
  status(timeoutMs = 10_000): Promise<GetClusterStatusReply__Output> {
    return new Promise((resolve, reject) => {
      this.client.GetClusterStatus({}, { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(this.#reachError(err)) : resolve(res!)));
    });
  }

  #reachError(err: grpc.ServiceError): Error {
    switch (err.code) {
      case grpc.status.UNAUTHENTICATED:
        return new AuthError(`the head at ${this.address}: ${grpcFailureDetail(err)}`, { cause: err });
      case grpc.status.UNAVAILABLE:
      case grpc.status.DEADLINE_EXCEEDED:
      case grpc.status.UNIMPLEMENTED:
        return new ConnectError(this.address, grpcFailureDetail(err), { cause: err });
      default:
        return err;
    }
  }

  locate(objectIds: string[]): Promise<ObjectLocation__Output[]> {
    return new Promise((resolve, reject) => {
      this.client.GetObjectLocations({ objectIds }, { deadline: Date.now() + 10_000 }, (err, res) =>
        err ? reject(mapGrpcError(err, 'locating objects')) : resolve(res!.locations),
      );
    });
  }

  /** The goodbye said on a session, until the head answers it by ending the session, or the session breaks. */
  #farewell: { session: grpc.ClientDuplexStream<ClientToHead, HeadToClient__Output>; done: (delivered: boolean) => void } | undefined;

  /**
   * Says goodbye on the session and waits for the head to end it, which it does once it has read everything
   * written before: true then. False when there is no session, it broke first (the head died: a reconnect is
   * under way, after which the goodbye and what preceded it can be said again) or the head did not answer
   * within `timeoutMs`. Nothing is written on this session afterwards.
   */
  farewell(timeoutMs: number): Promise<boolean> {
    const session = this.#session;
    if (!session || this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (delivered: boolean) => {
        clearTimeout(timer);
        if (this.#farewell?.session === session) this.#farewell = undefined;
        resolve(delivered);
      };
      this.#farewell = { session, done };
      this.#session = undefined;
      try {
        session.write({ goodbye: {} });
        session.end();
      } catch {
        done(false);
      }
    });
  }

  /** Ends the session; `goodbye` tells the head to free our objects now rather than after the grace period. */
  close(goodbye = false): void {
    if (goodbye) this.#write({ goodbye: {} });
    this.#closed = true;
    const session = this.#session;
    this.#session = undefined;
    if (!session) return this.client.close();
    // The channel closes once the head has ended the stream too (or after a bound): closed at once, it drops
    // what was just written and not yet sent, all of it when the session was reopened a moment ago (after a
    // head restart), whose stream may not have reached the head yet: last counts, tune reports, goodbye.
    let closed = false;
    const closeChannel = () => {
      if (closed) return;
      closed = true;
      clearTimeout(bound);
      this.client.close();
    };
    const bound = setTimeout(closeChannel, CLOSE_FLUSH_MS);
    session.once('status', closeChannel);
    session.once('error', closeChannel);
    try {
      session.end();
    } catch {
      closeChannel();
    }
  }
}
