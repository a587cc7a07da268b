/**
 * The head's side of client sessions: who is connected, their task counts, and what they ask (leases, frees,
 * progress). A client whose session breaks is detached, not forgotten: it keeps its leases and objects for a
 * grace period and resumes under the same id; one that says goodbye, or stays away, is gone for good.
 */
import type { Logger } from '../common/logger.ts';
import { decompileLeaseRequest, decompileProgress, decompileTaskCounts } from '../proto/convert.ts';
import type { grpc } from '../transport/grpc.ts';
import type { ClientToHead__Output } from '../proto/generated/convoy/v1/ClientToHead.ts';
import type { HeadToClient } from '../proto/generated/convoy/v1/HeadToClient.ts';
import type { LeaseManager } from './lease-manager.ts';
import type { EventHub } from './events.ts';

interface ClientSession {
  clientId: string;
  kind: string;
  jobId: string;
  /** Undefined while the client is detached (its session broke and it may reconnect). */
  stream: grpc.ServerDuplexStream<ClientToHead__Output, HeadToClient> | undefined;
  counts: Record<string, number>;
  connectedAt: number;
  /** Set while detached: when it fires, the client is gone for good. */
  expiry?: NodeJS.Timeout;
}

export interface ClientSessionDeps {
  leases: LeaseManager;
  events: EventHub;
  log: Logger;
  graceMs: number;
  /** Frees objects everywhere (the head's directory fan-out). */
  freeObjects(ids: readonly string[]): void;
  /** Objects the client owns, to free when it is gone. */
  ownedBy(clientId: string): string[];
}

export class ClientSessions {
  readonly #clients = new Map<string, ClientSession>();
  /** Finished/failed counts of clients that have left, so totals survive their drivers. */
  readonly #retired: Record<string, number> = {};

  constructor(private readonly d: ClientSessionDeps) {}

  send(clientId: string, msg: HeadToClient): void {
    const s = this.#clients.get(clientId);
    if (!s?.stream) return;
    try {
      s.stream.write(msg);
    } catch (err) {
      this.d.log.debug({ clientId, err: (err as Error).message }, 'write to client failed');
    }
  }

  broadcast(msg: HeadToClient): void {
    for (const id of this.#clients.keys()) this.send(id, msg);
  }

  /** Connected clients (detached ones excluded) with their latest task counts. */
  connected(): { clientId: string; kind: string; counts: Record<string, number> }[] {
    return [...this.#clients.values()].filter((c) => c.stream).map((c) => ({ clientId: c.clientId, kind: c.kind, counts: c.counts }));
  }

  retiredCounts(): Record<string, number> {
    return this.#retired;
  }

  serve(call: grpc.ServerDuplexStream<ClientToHead__Output, HeadToClient>): void {
    let session: ClientSession | undefined;
    let goodbye = false;
    call.on('data', (msg: ClientToHead__Output) => {
      if (msg.kind === 'hello') {
        session = this.#hello(msg.hello!, call);
        return;
      }
      if (!session) return;
      if (msg.kind === 'goodbye') goodbye = true;
      else this.#handle(session, msg);
    });
    const end = () => {
      if (!session || session.stream !== call) return;
      session.stream = undefined;
      try {
        call.end();
      } catch {
        // already closed
      }
      if (goodbye) return this.#gone(session);
      // Grants made while it is away would be lost: drop its waiting demands; it repeats them on return.
      this.d.leases.cancelDemands(session.clientId);
      const s = session;
      s.expiry = setTimeout(() => this.#gone(s), this.d.graceMs);
      s.expiry.unref();
      this.d.log.info({ clientId: s.clientId }, 'client detached; waiting for it to reconnect');
    };
    call.on('end', end);
    call.on('error', end);
    call.on('cancelled', end);
  }

  #hello(h: NonNullable<ClientToHead__Output['hello']>, call: grpc.ServerDuplexStream<ClientToHead__Output, HeadToClient>): ClientSession {
    const known = this.#clients.get(h.clientId);
    if (known) {
      // The same client, back within its grace period: it keeps its leases and objects.
      clearTimeout(known.expiry);
      known.expiry = undefined;
      known.stream = call;
      this.d.log.info({ clientId: h.clientId }, 'client reconnected');
      return known;
    }
    const session: ClientSession = { clientId: h.clientId, kind: h.kind, jobId: h.jobId, stream: call, counts: {}, connectedAt: Date.now() };
    this.#clients.set(h.clientId, session);
    this.d.log.debug({ clientId: h.clientId, kind: h.kind }, 'client connected');
    return session;
  }

  #handle(session: ClientSession, msg: ClientToHead__Output): void {
    switch (msg.kind) {
      case 'leaseRequest': {
        const r = msg.leaseRequest!;
        try {
          this.d.leases.request(session.clientId, decompileLeaseRequest(r));
        } catch (err) {
          this.send(session.clientId, { leaseInfeasible: { requestId: r.requestId, reason: (err as Error).message } });
        }
        return;
      }
      case 'leaseReturn':
        return this.d.leases.release(session.clientId, msg.leaseReturn!.leaseIds);
      case 'leaseRequestCancel':
        return this.d.leases.cancel(session.clientId, Number(msg.leaseRequestCancel!.requestId));
      case 'taskCounts':
        session.counts = decompileTaskCounts(msg.taskCounts!);
        return;
      case 'freeObjects':
        return this.d.freeObjects(msg.freeObjects!.objectIds);
      case 'progress':
        this.d.events.publish({ type: 'progress', ...decompileProgress(msg.progress!) });
        return;
    }
  }

  /** The client is gone for good: its leases go back and every copy of its objects is freed. */
  #gone(session: ClientSession): void {
    if (this.#clients.get(session.clientId) !== session) return;
    clearTimeout(session.expiry);
    this.#clients.delete(session.clientId);
    for (const k of ['finished', 'failed', 'cancelled']) {
      if (session.counts[k]) this.#retired[k] = (this.#retired[k] ?? 0) + session.counts[k]!;
    }
    this.d.leases.clientGone(session.clientId);
    this.d.freeObjects(this.d.ownedBy(session.clientId));
    this.d.log.debug({ clientId: session.clientId }, 'client gone');
  }

  close(): void {
    for (const s of this.#clients.values()) {
      clearTimeout(s.expiry);
      try {
        s.stream?.end();
      } catch {
        // already closed
      }
    }
  }
}
