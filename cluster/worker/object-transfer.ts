/**
 * Moving objects between nodes: serving chunks of local objects, receiving objects put by clients, and
 * pulling objects this node needs from their holders. Concurrent pulls of one object share one transfer.
 */
import { ChunkAssembler, fetchObject, writeChunks } from '../transport/object-stream.ts';
import type { Logger } from '../common/logger.ts';
import { loadProtos, type WorkerServiceClient } from '../proto/load.ts';
import { channelCredentials, clientOptions, grpc, type TlsOptions } from '../transport/grpc.ts';
import type { FetchObjectRequest__Output } from '../proto/generated/convoy/v1/FetchObjectRequest.ts';
import type { ObjectChunk, ObjectChunk__Output } from '../proto/generated/convoy/v1/ObjectChunk.ts';
import type { ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import type { PutObjectReply } from '../proto/generated/convoy/v1/PutObjectReply.ts';
import type { ObjectStore } from './object-store.ts';

export class ObjectTransfer {
  readonly #clients = new Map<string, WorkerServiceClient>();
  readonly #inflight = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly token: string,
    private readonly tls: TlsOptions | undefined,
    private readonly log: Logger,
  ) {}

  /** Streams a local object (bringing it back from spill first), pinned so it is not spilled mid-transfer. */
  serve(call: grpc.ServerWritableStream<FetchObjectRequest__Output, ObjectChunk>): void {
    const id = call.request.objectId;
    this.store.load(id).then(
      (bytes) => {
        if (!bytes) {
          call.emit('error', { code: grpc.status.NOT_FOUND, details: `object ${id} is not on this node` });
          return;
        }
        this.store.pin(id);
        const release = () => this.store.unpin(id);
        call.once('finish', release);
        call.once('error', release);
        call.once('cancelled', release);
        writeChunks(call, id, bytes);
      },
      (err: Error) => call.emit('error', { code: grpc.status.INTERNAL, details: `object ${id} could not be read back from spill: ${err.message}` }),
    );
  }

  receive(
    call: grpc.ServerReadableStream<ObjectChunk__Output, PutObjectReply>,
    callback: grpc.sendUnaryData<PutObjectReply>,
    nodeId: string,
    address: string,
  ): void {
    const asm = new ChunkAssembler();
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
      callback(null, { location: { objectId: asm.objectId, nodeId, transferAddress: address, size: buf.byteLength } });
    });
    call.on('error', (err) => this.log.debug({ err: err.message }, 'object upload aborted'));
  }

  /** Pulls an object from the node that holds it into the local store (once, however many ask at a time). */
  pull(loc: ObjectLocation__Output): Promise<Uint8Array> {
    const local = this.store.get(loc.objectId);
    if (local) return Promise.resolve(local);
    let p = this.#inflight.get(loc.objectId);
    if (!p) {
      p = fetchObject(this.#client(loc.transferAddress), loc).then((bytes) => {
        this.store.put(loc.objectId, bytes, '', true);
        return bytes;
      });
      p.finally(() => this.#inflight.delete(loc.objectId)).catch(() => undefined);
      this.#inflight.set(loc.objectId, p);
    }
    return p;
  }

  #client(address: string): WorkerServiceClient {
    let c = this.#clients.get(address);
    if (!c) {
      const { worker } = loadProtos();
      c = new worker.convoy.v1.WorkerService(address, channelCredentials(this.tls), clientOptions(this.token)) as unknown as WorkerServiceClient;
      this.#clients.set(address, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }
}
