/**
 * Moving objects between nodes: serving local objects (over the data plane's plain socket, or gRPC chunks),
 * receiving objects put by clients, and pulling objects this node needs from their holders. Concurrent pulls
 * of one object share one transfer. Incoming bytes land in buffers from the store, which reuses freed memory.
 *
 * With TLS the node opens no data port: objects keep to gRPC, whose channel is encrypted with the cluster's
 * certificates (a plaintext side door next to it would defeat the point).
 */
import { ChunkAssembler, fetchObject, writeChunks } from '../transport/object-stream.ts';
import { DataPlaneClient, fetchObjectFast } from '../transport/data-plane-client.ts';
import { DataPlaneServer, type DataPlaneStats } from '../transport/data-plane-server.ts';
import type { Logger } from '../common/logger.ts';
import { SingleFlight } from '../common/single-flight.ts';
import { loadProtos, type WorkerServiceClient } from '../proto/load.ts';
import { channelCredentials, grpc, objectClientOptions, type TlsOptions } from '../transport/grpc.ts';
import type { FetchObjectRequest__Output } from '../proto/generated/convoy/v1/FetchObjectRequest.ts';
import type { ObjectChunk, ObjectChunk__Output } from '../proto/generated/convoy/v1/ObjectChunk.ts';
import type { ObjectLocation, ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import type { PutObjectReply } from '../proto/generated/convoy/v1/PutObjectReply.ts';
import type { ObjectStore } from './object-store.ts';

export class ObjectTransfer {
  readonly #clients = new Map<string, WorkerServiceClient>();
  readonly #pullsInFlight = new SingleFlight<string, void>();
  readonly #data: DataPlaneClient | undefined;
  #server: DataPlaneServer | undefined;
  #pulls = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly token: string,
    private readonly tls: TlsOptions | undefined,
    private readonly log: Logger,
  ) {
    if (!tls) this.#data = new DataPlaneClient({ token });
  }

  /**
   * Opens the data plane on `host:port` (0: any free port); resolves with the bound port, or undefined with
   * TLS (no data port then). `name` names this node in refusals.
   */
  async listen(host: string, port: number, name: string): Promise<number | undefined> {
    if (this.tls) return undefined;
    const store = this.store;
    this.#server = new DataPlaneServer(
      { token: this.token, host, port, name: `node ${name}` },
      { borrow: (id) => store.borrow(id) },
      { allocate: (size) => store.allocate(size), store: (id, owner, bytes) => store.put(id, bytes, owner) },
      this.log,
    );
    return this.#server.listen();
  }

  /** What this node's data plane served and received, and how many pulls it made (tests count transfers). */
  stats(): DataPlaneStats & { pulls: number } {
    const none = { served: 0, servedBytes: 0, uploads: 0, uploadedBytes: 0, unauthorized: 0 };
    return { ...(this.#server?.stats() ?? none), pulls: this.#pulls };
  }

  /** Streams a local object over gRPC (bringing it back from spill first), borrowed so it is not spilled mid-transfer. */
  serve(call: grpc.ServerWritableStream<FetchObjectRequest__Output, ObjectChunk>): void {
    const id = call.request.objectId;
    this.store.borrow(id).then(
      (borrowed) => {
        if (!borrowed) {
          call.emit('error', { code: grpc.status.NOT_FOUND, details: `object ${id} is not on this node` });
          return;
        }
        // Each chunk is serialized (copied) when grpc-js processes its write; after these events it reads no more.
        call.once('finish', borrowed.release);
        call.once('error', borrowed.release);
        call.once('cancelled', borrowed.release);
        call.once('close', borrowed.release);
        writeChunks(call, id, borrowed.bytes);
      },
      (err: Error) => call.emit('error', { code: grpc.status.INTERNAL, details: `object ${id} could not be read back from spill: ${err.message}` }),
    );
  }

  receive(
    call: grpc.ServerReadableStream<ObjectChunk__Output, PutObjectReply>,
    callback: grpc.sendUnaryData<PutObjectReply>,
    location: (objectId: string, size: number) => ObjectLocation,
  ): void {
    const asm = new ChunkAssembler((size) => this.store.allocate(size));
    call.on('data', (chunk: ObjectChunk__Output) => {
      try {
        asm.add(chunk);
      } catch (err) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
      }
    });
    call.on('end', () => {
      const buf = asm.done();
      if (!buf || !asm.objectId) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: `incomplete object upload (${asm.received} bytes)` });
        return;
      }
      this.store.put(asm.objectId, buf, asm.owner);
      callback(null, { location: location(asm.objectId, buf.byteLength) });
    });
    call.on('error', (err) => this.log.debug({ err: err.message }, 'object upload aborted'));
  }

  /**
   * Pulls an object from the node that holds it into the local store (once, however many ask at a time). The
   * caller then reads it from the store, which keeps track of who it hands the bytes to.
   */
  pull(loc: ObjectLocation__Output): Promise<void> {
    if (this.store.has(loc.objectId)) return Promise.resolve();
    return this.#pullsInFlight.run(loc.objectId, async () => {
      this.#pulls++;
      const allocate = (size: number) => this.store.allocate(size);
      const viaGrpc = () => fetchObject(this.#client(loc.transferAddress), loc, allocate);
      const bytes = await fetchObjectFast(this.#data, loc, allocate, viaGrpc);
      this.store.put(loc.objectId, bytes, '', true);
    });
  }

  #client(address: string): WorkerServiceClient {
    let c = this.#clients.get(address);
    if (!c) {
      const { worker } = loadProtos();
      c = new worker.convoy.v1.WorkerService(address, channelCredentials(this.tls), objectClientOptions(this.token)) as unknown as WorkerServiceClient;
      this.#clients.set(address, c);
    }
    return c;
  }

  async close(): Promise<void> {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
    this.#data?.close();
    await this.#server?.close();
  }
}
