/**
 * The head's side of client sessions: who is connected, their task counts, and what they ask (leases, frees,
 * progress). A client whose session breaks is detached, not forgotten: it keeps its leases and objects for a
 * grace period and resumes under the same id; one that says goodbye, or stays away, is gone for good.
 *
 * Who the clients are and their counts are the control store's `clients` table; what cannot be stored (the
 * session stream, the timer that ends a detached client's grace) stays here, one LiveSession per client.
 */
import type { Logger } from '../common/logger.ts';
import { decompileActorStates, decompileLeaseRequest, decompilePlacementGroupCreate, decompileProgress, decompileTaskCounts, decompileTaskEvents, decompileTuneReport } from '../proto/convert.ts';
import type { grpc } from '../transport/grpc.ts';
import type { ClientToHead__Output } from '../proto/generated/convoy/v1/ClientToHead.ts';
import type { HeadToClient } from '../proto/generated/convoy/v1/HeadToClient.ts';
import type { LeaseManager } from './lease-manager.ts';
import type { PlacementGroupTable } from './placement-group-table.ts';
import type { EventHub } from './events.ts';
import type { TaskLog } from './task-log.ts';
import type { ActorDirectory } from './actor-directory.ts';
import type { Table } from './control/control-store.ts';
import type { ClientRecord, TaskSummaryRecord } from './control/records.ts';
import type { TaskCounts, TuneRunSummary } from '../api/head-api.ts';

type SessionStream = grpc.ServerDuplexStream<ClientToHead__Output, HeadToClient>;

/** A client's live handles, beside its record in the store. */
interface LiveSession {
  readonly clientId: string;
  /** Undefined while the client is detached (its session broke and it may reconnect). */
  stream: SessionStream | undefined;
  /** Set while detached: when it fires, the client is gone for good. */
  expiry?: NodeJS.Timeout;
}

/** Task summaries kept for gone clients' jobs: the oldest updated is dropped first past this many. */
const TASK_SUMMARIES_KEPT = 1000;
/** The counts a gone client leaves to its job's summary (a running or queued count means nothing then). */
const FINAL_STATES = ['finished', 'failed', 'cancelled'];

export interface ClientSessionDeps {
  clients: Table<ClientRecord>;
  /** Gone clients' task counts by job, kept across head restarts. */
  summaries: Table<TaskSummaryRecord>;
  leases: LeaseManager;
  groups: Pick<PlacementGroupTable, 'create'>;
  events: EventHub;
  log: Logger;
  graceMs: number;
  /** Frees objects everywhere (the head's directory fan-out). */
  freeObjects(ids: readonly string[]): void;
  /** A client's tune run, as it stands (kept in the head's history under the client's job). */
  tuneReport(run: TuneRunSummary, jobId: string): void;
  /** Where clients' task events go; a gone client's running tasks are marked lost there. */
  taskLog: Pick<TaskLog, 'record' | 'ownerGone'>;
  /** Where clients' actor states go; a gone client's actors go with it. */
  actors: Pick<ActorDirectory, 'report' | 'ownerGone'>;
  /** Objects the client owns, to free when it is gone. */
  ownedBy(clientId: string): string[];
  /** Whether the job of this id has ended: its drivers cannot come back, so they get no grace. */
  jobOver(jobId: string): boolean;
}

export class ClientSessions {
  readonly #live = new Map<string, LiveSession>();

  constructor(private readonly d: ClientSessionDeps) {}

  /**
   * After a head restart on a persistent store: every client of the head before is detached (its session died
   * with that head) and gets the grace period, from now, to come back under its id and keep its leases.
   */
  restore(): void {
    for (const c of this.d.clients.list()) {
      const s: LiveSession = { clientId: c.clientId, stream: undefined };
      this.#live.set(c.clientId, s);
      this.#update(c.clientId, (r) => (r.attached = false));
      // A job that ended while no head was watching left drivers that cannot come back.
      if (c.jobId && this.d.jobOver(c.jobId)) this.#gone(s);
      else this.#startGrace(s);
    }
  }

  /**
   * A job ended: its drivers that are away (their session broke, or the head restarted since) are gone for
   * good now, not after the grace, so their counts reach the history and their objects are freed at once.
   */
  jobEnded(jobId: string): void {
    for (const s of [...this.#live.values()]) {
      if (!s.stream && this.d.clients.get(s.clientId)?.jobId === jobId) this.#gone(s);
    }
  }

  send(clientId: string, msg: HeadToClient): void {
    const s = this.#live.get(clientId);
    if (!s?.stream) return;
    try {
      s.stream.write(msg);
    } catch (err) {
      this.d.log.debug({ clientId, err: (err as Error).message }, 'write to client failed');
    }
  }

  broadcast(msg: HeadToClient): void {
    for (const id of this.#live.keys()) this.send(id, msg);
  }

  /** Connected clients (detached ones excluded) with their latest task counts. */
  connected(): { clientId: string; kind: string; counts: TaskCounts }[] {
    return this.d.clients
      .list()
      .filter((c) => c.attached)
      .map((c) => ({ clientId: c.clientId, kind: c.kind, counts: c.counts }));
  }

  /** The final counts of every client that has gone, summed (status's totals outlive the drivers). */
  retiredCounts(): TaskCounts {
    const total: TaskCounts = {};
    for (const s of this.d.summaries.list()) for (const [k, v] of Object.entries(s.counts)) total[k] = (total[k] ?? 0) + v;
    return total;
  }

  /** Gone clients' task counts, one summary per job. */
  summaries(): TaskSummaryRecord[] {
    return this.d.summaries.list();
  }

  serve(call: SessionStream): void {
    let session: LiveSession | undefined;
    let goodbye = false;
    call.on('data', (msg: ClientToHead__Output) => {
      if (msg.kind === 'hello') {
        session = this.#hello(msg.hello!, call);
        return;
      }
      if (!session) return;
      if (msg.kind === 'goodbye') goodbye = true;
      else this.#handle(session.clientId, msg);
    });
    const end = () => {
      if (!session || session.stream !== call) return;
      session.stream = undefined;
      this.#update(session.clientId, (c) => (c.attached = false));
      try {
        call.end();
      } catch {
        // already closed
      }
      // A job's driver whose job has ended has exited: it will not come back.
      const jobId = this.d.clients.get(session.clientId)?.jobId;
      if (goodbye || (jobId && this.d.jobOver(jobId))) return this.#gone(session);
      // Grants made while it is away would be lost: drop its waiting demands; it repeats them on return.
      this.d.leases.cancelDemands(session.clientId);
      this.#startGrace(session);
      this.d.log.info({ clientId: session.clientId }, 'client detached; waiting for it to reconnect');
    };
    call.on('end', end);
    call.on('error', end);
    call.on('cancelled', end);
  }

  #startGrace(s: LiveSession): void {
    clearTimeout(s.expiry);
    s.expiry = setTimeout(() => this.#gone(s), this.d.graceMs);
    s.expiry.unref();
  }

  #hello(h: NonNullable<ClientToHead__Output['hello']>, call: SessionStream): LiveSession {
    if (this.d.clients.has(h.clientId)) {
      // The same client, back within its grace period: it keeps its leases and objects. (A record with no
      // live session is a client of a head that restarted on a persistent store: it comes back the same way.)
      const known = this.#live.get(h.clientId) ?? { clientId: h.clientId, stream: undefined };
      clearTimeout(known.expiry);
      known.expiry = undefined;
      known.stream = call;
      this.#live.set(h.clientId, known);
      this.#update(h.clientId, (c) => (c.attached = true));
      this.d.log.info({ clientId: h.clientId }, 'client reconnected');
      return known;
    }
    const session: LiveSession = { clientId: h.clientId, stream: call };
    this.d.clients.put(h.clientId, { clientId: h.clientId, kind: h.kind, jobId: h.jobId, attached: true, counts: {}, connectedAt: Date.now() });
    this.#live.set(h.clientId, session);
    this.d.log.debug({ clientId: h.clientId, kind: h.kind }, 'client connected');
    return session;
  }

  /** Changes a client's record and puts it back. */
  #update(clientId: string, change: (c: ClientRecord) => void): void {
    const c = this.d.clients.get(clientId);
    if (!c) return;
    change(c);
    this.d.clients.put(clientId, c);
  }

  #handle(clientId: string, msg: ClientToHead__Output): void {
    switch (msg.kind) {
      case 'leaseRequest': {
        const r = msg.leaseRequest!;
        try {
          this.d.leases.request(clientId, decompileLeaseRequest(r));
        } catch (err) {
          this.send(clientId, { leaseInfeasible: { requestId: r.requestId, reason: (err as Error).message } });
        }
        return;
      }
      case 'leaseReturn':
        return this.d.leases.release(clientId, msg.leaseReturn!.leaseIds);
      case 'leaseRequestCancel':
        return this.d.leases.cancel(clientId, Number(msg.leaseRequestCancel!.requestId));
      case 'taskCounts': {
        const counts = decompileTaskCounts(msg.taskCounts!);
        return this.#update(clientId, (c) => (c.counts = counts));
      }
      case 'freeObjects':
        return this.d.freeObjects(msg.freeObjects!.objectIds);
      case 'tuneReport': {
        let run: TuneRunSummary;
        try {
          run = decompileTuneReport(msg.tuneReport!);
        } catch (err) {
          this.d.log.warn({ clientId, err: (err as Error).message }, 'tune report refused');
          return;
        }
        return this.d.tuneReport(run, this.d.clients.get(clientId)?.jobId ?? '');
      }
      case 'taskEvents': {
        const { events, dropped } = decompileTaskEvents(msg.taskEvents!);
        return this.d.taskLog.record(clientId, this.d.clients.get(clientId)?.jobId ?? '', events, dropped);
      }
      case 'actorStates':
        return this.d.actors.report(clientId, this.d.clients.get(clientId)?.jobId ?? '', decompileActorStates(msg.actorStates!));
      case 'placementGroupCreate': {
        const m = msg.placementGroupCreate!;
        try {
          this.d.groups.create(clientId, this.d.clients.get(clientId)?.jobId ?? '', decompilePlacementGroupCreate(m));
        } catch (err) {
          this.send(clientId, { placementGroupState: { groupId: m.groupId, state: 'REMOVED', reason: (err as Error).message, nodes: [], infeasible: true } });
          return;
        }
        return this.d.leases.schedule();
      }
      case 'placementGroupRemove':
        this.d.leases.removeGroup(msg.placementGroupRemove!.groupId, 'removed by its owner');
        return;
      case 'progress':
        this.d.events.publish({ type: 'progress', ...decompileProgress(msg.progress!) }, clientId);
        return;
    }
  }

  /** The client is gone for good: its leases go back and every copy of its objects is freed. */
  #gone(session: LiveSession): void {
    if (this.#live.get(session.clientId) !== session) return;
    clearTimeout(session.expiry);
    this.#live.delete(session.clientId);
    const record = this.d.clients.get(session.clientId);
    this.d.clients.delete(session.clientId);
    if (record) this.#retire(record);
    this.d.leases.clientGone(session.clientId);
    this.d.freeObjects(this.d.ownedBy(session.clientId));
    this.d.events.ownerGone(session.clientId, 'its driver has gone');
    this.d.taskLog.ownerGone(session.clientId);
    this.d.actors.ownerGone(session.clientId);
    this.d.log.debug({ clientId: session.clientId }, 'client gone');
  }

  /** Adds a gone client's final counts to its job's summary; the oldest summary goes past the bound. */
  #retire(c: ClientRecord): void {
    const final = FINAL_STATES.filter((k) => c.counts[k]);
    if (final.length === 0) return;
    const summary = this.d.summaries.get(c.jobId) ?? { jobId: c.jobId, counts: {}, updatedAt: 0 };
    for (const k of final) summary.counts[k] = (summary.counts[k] ?? 0) + c.counts[k]!;
    summary.updatedAt = Date.now();
    // Re-put at the end so list() order is least recently updated first, the order to drop in.
    this.d.summaries.delete(c.jobId);
    this.d.summaries.put(c.jobId, summary);
    const keys = this.d.summaries.keys();
    for (const k of keys.slice(0, Math.max(0, keys.length - TASK_SUMMARIES_KEPT))) this.d.summaries.delete(k);
  }

  close(): void {
    for (const s of this.#live.values()) {
      clearTimeout(s.expiry);
      try {
        s.stream?.end();
      } catch {
        // already closed
      }
    }
  }
}
