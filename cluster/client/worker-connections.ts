/**
 * The owner's open streams to worker nodes, one per node, shared by tasks, actors and object transfers. A
 * connection that broke, or whose node came back at another address, is replaced on the next use.
 */
import type { TlsOptions } from '../transport/grpc.ts';
import type { ActorEvent__Output } from '../proto/generated/convoy/v1/ActorEvent.ts';
import type { TaskResult__Output } from '../proto/generated/convoy/v1/TaskResult.ts';
import { WorkerConnection } from './worker-connection.ts';

export interface WorkerConnectionsOptions {
  readonly token: string;
  readonly tls?: TlsOptions;
  readonly clientId: string;
  /** The owner's job ('' for none), told to each node for its tasks' log lines. */
  readonly jobId?: string;
  onResults(results: TaskResult__Output[]): void;
  onActorEvent(event: ActorEvent__Output): void;
  /** The current stream to `nodeId` broke (the node may still be alive). */
  onLost(nodeId: string, reason: string): void;
}

export class WorkerConnections {
  readonly #conns = new Map<string, WorkerConnection>();

  constructor(private readonly o: WorkerConnectionsOptions) {}

  /** The stream to a node, opened on first use. */
  get(nodeId: string, address: string): WorkerConnection {
    let c = this.#conns.get(nodeId);
    if (c && (c.lost || c.address !== address)) {
      c.close();
      c = undefined;
    }
    if (!c) {
      const conn = new WorkerConnection(nodeId, address, this.o.token, this.o.tls, this.o.clientId, this.o.jobId);
      conn.on('results', (rs) => this.o.onResults(rs));
      conn.on('actorEvent', (e) => this.o.onActorEvent(e));
      conn.on('lost', (reason) => {
        // A replaced connection's loss is old news.
        if (this.#conns.get(nodeId) === conn) this.o.onLost(nodeId, reason);
      });
      this.#conns.set(nodeId, conn);
      c = conn;
    }
    return c;
  }

  /** A connection to any live node, if one is open. */
  any(): WorkerConnection | undefined {
    for (const c of this.#conns.values()) if (!c.lost) return c;
    return undefined;
  }

  /** Closes and forgets the stream to a node that is gone or unreachable. */
  drop(nodeId: string): void {
    const conn = this.#conns.get(nodeId);
    this.#conns.delete(nodeId);
    conn?.close();
  }

  closeAll(): void {
    for (const c of this.#conns.values()) c.close();
    this.#conns.clear();
  }
}
