/**
 * Objects on the wire: chunked gRPC streams with HTTP/2 flow control (write until the stream asks to wait,
 * resume on 'drain'). Used by workers serving and pulling objects and by clients putting and getting them.
 */
import { ObjectLostError } from '../common/errors.ts';
import { newShared, type AllocateShared } from '../objects/serialization.ts';
import { grpc } from './grpc.ts';
import type { WorkerServiceClient } from '../proto/load.ts';
import type { ObjectChunk, ObjectChunk__Output } from '../proto/generated/convoy/v1/ObjectChunk.ts';
import type { ObjectLocation, ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';

/** Chunk size on the wire: big enough that per-message cost vanishes, small enough to interleave streams. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/** Writes `bytes` as chunks, the first carrying the id, total size and owner; ends the stream when done. */
export function writeChunks(
  call: { write(c: ObjectChunk): boolean; once(ev: 'drain', f: () => void): unknown; end(): void },
  objectId: string,
  bytes: Uint8Array,
  owner = '',
): void {
  let offset = 0;
  const pump = () => {
    do {
      const end = Math.min(bytes.byteLength, offset + CHUNK_BYTES);
      const first = offset === 0;
      const ok = call.write({
        objectId: first ? objectId : '',
        totalSize: first ? bytes.byteLength : 0,
        owner: first ? owner : '',
        data: bytes.subarray(offset, end),
      });
      offset = end;
      if (!ok && offset < bytes.byteLength) return void call.once('drain', pump);
    } while (offset < bytes.byteLength);
    call.end();
  };
  pump();
}

/** Collects chunks into one buffer, from `allocate` (a node passes its store's, which reuses freed memory). */
export class ChunkAssembler {
  #buf: Uint8Array | undefined;
  #offset = 0;
  objectId = '';
  owner = '';

  constructor(private readonly allocate: AllocateShared = newShared) {}

  add(chunk: ObjectChunk__Output): void {
    if (!this.#buf) {
      this.objectId = chunk.objectId;
      this.owner = chunk.owner;
      this.#buf = this.allocate(Number(chunk.totalSize));
    }
    if (this.#offset + chunk.data.byteLength > this.#buf.byteLength) throw new RangeError('object chunks exceed the announced size');
    this.#buf.set(chunk.data, this.#offset);
    this.#offset += chunk.data.byteLength;
  }

  /** The whole object, or undefined when the stream ended early. */
  done(): Uint8Array | undefined {
    return this.#buf && this.#offset === this.#buf.byteLength ? this.#buf : undefined;
  }

  get received(): number {
    return this.#offset;
  }
}

/** Reads a whole object from a node's FetchObject stream. */
export function fetchObject(client: WorkerServiceClient, loc: ObjectLocation__Output, allocate = newShared): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const call = client.FetchObject({ objectId: loc.objectId, offset: 0 });
    const asm = new ChunkAssembler(allocate);
    call.on('data', (chunk: ObjectChunk__Output) => {
      try {
        asm.add(chunk);
      } catch (err) {
        call.cancel();
        reject(new ObjectLostError(loc.objectId, `corrupt transfer from ${loc.nodeId}: ${(err as Error).message}`));
      }
    });
    call.on('error', (err: grpc.ServiceError) => {
      reject(
        new ObjectLostError(
          loc.objectId,
          err.code === grpc.status.NOT_FOUND
            ? `node ${loc.nodeId} no longer holds it`
            : `could not fetch it from node ${loc.nodeId} at ${loc.transferAddress}: ${err.details || err.message}`,
        ),
      );
    });
    call.on('end', () => {
      const bytes = asm.done();
      if (bytes) resolve(bytes);
      else reject(new ObjectLostError(loc.objectId, `transfer from ${loc.nodeId} was cut short`));
    });
  });
}

/** Uploads a value into a node's store. */
export function putObject(client: WorkerServiceClient, objectId: string, bytes: Uint8Array, owner: string): Promise<ObjectLocation> {
  return new Promise((resolve, reject) => {
    const call = client.PutObject((err, reply) => (err ? reject(err) : resolve(reply!.location!)));
    writeChunks(call, objectId, bytes, owner);
  });
}
