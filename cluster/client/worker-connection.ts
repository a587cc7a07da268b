/**
 * The client's stream to one worker node: functions are registered once per stream (tasks then name them by
 * a small number), leases are opened on it, and task specs are batched per synchronous run of the caller, so
 * 20,000 `remote()` calls in a loop become a few messages.
 *
 * Large objects move over the node's data plane (a plain socket, see transport/data-plane-*.ts) when it has
 * one, and over gRPC streams otherwise (TLS clusters, or a data port a firewall does not let through).
 */
import { EventEmitter } from 'node:events';
import { loadProtos, type WorkerServiceClient } from '../proto/load.ts';
import { SingleFlight } from '../common/single-flight.ts';
import { channelCredentials, grpc, objectClientOptions, type TlsOptions } from '../transport/grpc.ts';
import { BatchedWriter } from '../transport/batched-writer.ts';
import { fetchObject, putObject } from '../transport/object-stream.ts';
import { newShared } from '../objects/serialization.ts';
import { DataPlaneClient, fetchObjectFast, putObjectFast } from '../transport/data-plane-client.ts';
import type { ClientToWorker } from '../proto/generated/convoy/v1/ClientToWorker.ts';
import type { WorkerToClient__Output } from '../proto/generated/convoy/v1/WorkerToClient.ts';
import type { TaskSpec } from '../proto/generated/convoy/v1/TaskSpec.ts';
import type { TaskResult__Output } from '../proto/generated/convoy/v1/TaskResult.ts';
import type { ActorCreate } from '../proto/generated/convoy/v1/ActorCreate.ts';
import type { ActorEvent__Output } from '../proto/generated/convoy/v1/ActorEvent.ts';
import type { ObjectLocation, ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import { compileFunction, compileResources, type FunctionRef, type GrantedLease } from '../proto/convert.ts';

/** Task specs per message: keeps each message well under gRPC limits while amortising framing. */
const MAX_TASKS_PER_MESSAGE = 2000;

export interface WorkerConnectionEvents {
  results: [results: TaskResult__Output[]];
  actorEvent: [event: ActorEvent__Output];
  lost: [reason: string];
}

export class WorkerConnection extends EventEmitter<WorkerConnectionEvents> {
  readonly client: WorkerServiceClient;
  readonly #stream: grpc.ClientDuplexStream<ClientToWorker, WorkerToClient__Output>;
  readonly #fnIds = new Map<string, number>();
  /** Absent with TLS: objects then keep to the encrypted gRPC channel. */
  readonly #data: DataPlaneClient | undefined;
  /** The node's data plane, learned from the first object location it reports (none until then). */
  #dataAddress = '';
  readonly #fetches = new SingleFlight<string, Uint8Array>();
  /**
   * A microtask flush runs after the caller's synchronous code: a loop of remote() calls still becomes one
   * message, and a lone task (get right after remote) goes out without waiting for the next event-loop turn.
   */
  readonly #outbox = new BatchedWriter<TaskSpec>({
    write: (tasks) => this.#write({ tasks: { tasks } }),
    schedule: 'microtask',
    maxBatch: MAX_TASKS_PER_MESSAGE,
  });
  #lost = false;

  constructor(
    readonly nodeId: string,
    readonly address: string,
    token: string,
    tls: TlsOptions | undefined,
    clientId: string,
    /** The owner's job, '' for none: the node tags its tasks' output with it. */
    jobId = '',
  ) {
    super();
    const { worker } = loadProtos();
    // The same channel carries the task stream and object bytes, so it gets the large flow-control window.
    this.client = new worker.convoy.v1.WorkerService(address, channelCredentials(tls), objectClientOptions(token)) as unknown as WorkerServiceClient;
    if (!tls) this.#data = new DataPlaneClient({ token });
    this.#stream = this.client.TaskStream();
    this.#stream.on('data', (m: WorkerToClient__Output) => {
      if (m.kind === 'results') this.emit('results', m.results!.results);
      else if (m.kind === 'actorEvent') this.emit('actorEvent', m.actorEvent!);
    });
    this.#stream.on('error', (err) => this.#markLost(err.message));
    this.#stream.on('end', () => this.#markLost('the worker ended the stream'));
    this.#stream.write({ hello: { clientId, jobId } });
  }

  get lost(): boolean {
    return this.#lost;
  }

  #markLost(reason: string): void {
    if (this.#lost) return;
    this.#lost = true;
    this.emit('lost', reason);
  }

  /** The stream-local number of a function, registering it on first use. */
  functionId(fn: FunctionRef, key: string): number {
    let id = this.#fnIds.get(key);
    if (id === undefined) {
      id = this.#fnIds.size + 1;
      this.#fnIds.set(key, id);
      this.#flush(); // specs queued so far were for other functions; keep the registration ahead of its tasks
      this.#write({ functions: { entries: [{ fnId: id, fn: compileFunction(fn) }] } });
    }
    return id;
  }

  openLease(lease: GrantedLease): void {
    this.#flush();
    this.#write({ leaseOpen: { leaseId: lease.leaseId, resources: compileResources(lease.resources), gpuIds: [...lease.gpuIds] } });
  }

  closeLease(leaseId: string): void {
    this.#flush();
    this.#write({ leaseClose: { leaseId } });
  }

  submit(spec: TaskSpec): void {
    this.#outbox.push(spec);
  }

  cancel(taskIds: string[], force: boolean): void {
    this.#flush();
    this.#write({ cancel: { taskIds, force } });
  }

  createActor(spec: ActorCreate): void {
    this.#flush();
    this.#write({ actorCreate: spec });
  }

  killActor(actorId: string): void {
    this.#flush();
    this.#write({ actorKill: { actorId } });
  }

  /** Sends the task specs queued so far, ahead of a message of another kind that must follow them. */
  #flush(): void {
    this.#outbox.flush();
  }

  #write(msg: ClientToWorker): void {
    if (this.#lost) return;
    try {
      this.#stream.write(msg);
    } catch (err) {
      this.#markLost((err as Error).message);
    }
  }

  /** An object held by this node; concurrent fetches of one object share one transfer. */
  fetch(loc: ObjectLocation__Output): Promise<Uint8Array> {
    this.#learn(loc);
    return this.#fetches.run(loc.objectId, () => fetchObjectFast(this.#data, loc, newShared, () => fetchObject(this.client, loc)));
  }

  /** Uploads a value into this node's store (put of a large value). */
  async put(objectId: string, bytes: Uint8Array, owner: string): Promise<ObjectLocation> {
    const target = { nodeId: this.nodeId, dataAddress: this.#dataAddress };
    const r = await putObjectFast(this.#data, target, objectId, owner, bytes, () => putObject(this.client, objectId, bytes, owner));
    if ('dataAddress' in r) return { objectId, nodeId: this.nodeId, transferAddress: this.address, dataAddress: r.dataAddress, size: bytes.byteLength };
    this.#learn(r.viaGrpc);
    return r.viaGrpc;
  }

  #learn(loc: ObjectLocation): void {
    if (loc.dataAddress && loc.nodeId === this.nodeId) this.#dataAddress = loc.dataAddress;
  }

  close(): void {
    this.#outbox.close();
    this.#lost = true;
    try {
      this.#stream.end();
    } catch {
      // already closed
    }
    this.client.close();
    this.#data?.close();
  }
}
