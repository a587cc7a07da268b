/**
 * The receiving end of the data plane (see data-plane-wire.ts): fetches an object's bytes from a node straight
 * into a buffer the caller allocates, and uploads bytes to a node.
 *
 * Reads use net.Socket's `onread` option: the kernel copies each read into the region of the destination that
 * comes next (the response header first, then the body), so no chunk is allocated and nothing is copied again
 * in JavaScript. On this 2-core VM that took a 512 MiB loopback pull from 0.45 GB/s ('data' events plus a
 * copy) to 1 GB/s into fresh memory and about 2 GB/s into memory already touched.
 *
 * Connections are kept per address (a few, idle ones unref'd and closed after a while) so small objects do not
 * pay a TCP handshake each; a connection carries one exchange at a time.
 */
import net from 'node:net';
import { z } from 'zod';
import { AuthError, ObjectLostError } from '../common/errors.ts';
import type { ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import {
  DataPlaneError,
  decodeResponseHeader,
  encodeRequest,
  RESPONSE_HEADER_BYTES,
  type DataPlaneFailure,
  type ResponseHeader,
} from './data-plane-wire.ts';

export const dataPlaneClientOptionsSchema = z.object({
  token: z.string().min(1),
  /** Idle connections kept per node for the next transfer. @default 4 */
  maxIdlePerAddress: z.number().int().nonnegative().default(4),
  /** An idle connection is closed after this long. @default 30_000 */
  idleTimeoutMs: z.number().int().positive().default(30_000),
  /** A transfer fails when no byte arrives for this long (a hung or frozen node). @default 60_000 */
  stallTimeoutMs: z.number().int().positive().default(60_000),
  /** A node whose data port does not accept a connection within this long is unreachable. @default 5_000 */
  connectTimeoutMs: z.number().int().positive().default(5_000),
  /** How long an unreachable data port is not tried again (callers use gRPC meanwhile). @default 60_000 */
  unreachableForMs: z.number().int().nonnegative().default(60_000),
});
export type DataPlaneClientOptions = z.input<typeof dataPlaneClientOptionsSchema>;

/** Where fetched bytes go: a buffer of exactly `size` bytes, for example a view of a pooled store buffer. */
export type Allocate = (size: number) => Uint8Array;

interface Exchange {
  readonly resolve: (r: { header: ResponseHeader; bytes?: Uint8Array }) => void;
  readonly reject: (err: DataPlaneError | Error) => void;
  readonly allocate: Allocate | undefined;
  readonly offset: number;
  phase: 'header' | 'body' | 'message';
  header?: ResponseHeader;
  dest?: Uint8Array;
  /** The part of `dest` the body fills (from the requested offset). */
  target?: Uint8Array;
  received: number;
}

/** One socket and the state of the exchange it carries. */
class DataConnection {
  readonly socket: net.Socket;
  /** Holds a response header; also where stray bytes land while idle (which is then a protocol error). */
  readonly #headerBuf = new Uint8Array(RESPONSE_HEADER_BYTES);
  #headerGot = 0;
  #exchange: Exchange | undefined;
  #dead: DataPlaneError | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  used = false;

  constructor(
    readonly address: string,
    private readonly stallTimeoutMs: number,
    connectTimeoutMs: number,
    private readonly onDead: (c: DataConnection) => void,
  ) {
    const { host, port } = parseAddress(address);
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: () => this.#nextBuffer(), callback: (n: number) => this.#onRead(n) },
    });
    // A firewall that drops packets to the data port would otherwise hold the connect for minutes.
    const connectTimer = setTimeout(() => {
      this.#die(new DataPlaneError('unreachable', address, `${address} did not accept a connection within ${connectTimeoutMs} ms`));
      this.socket.destroy();
    }, connectTimeoutMs);
    this.socket.once('connect', () => clearTimeout(connectTimer));
    this.socket.once('close', () => clearTimeout(connectTimer));
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      const connecting = this.socket.connecting || err.code === 'ECONNREFUSED';
      this.#die(new DataPlaneError(connecting ? 'unreachable' : 'closed', address, `${address}: ${err.message}`, { cause: err }));
    });
    this.socket.on('close', () => this.#die(new DataPlaneError('closed', address, `${address} closed the connection`)));
    this.socket.on('timeout', () => {
      this.#die(new DataPlaneError('truncated', address, `${address} sent nothing for ${this.stallTimeoutMs} ms`));
      this.socket.destroy();
    });
  }

  get alive(): boolean {
    return !this.#dead && !this.socket.destroyed;
  }

  /** Sends a request (and for a put, its bytes) and resolves with the response once it is complete. */
  exchange(request: Buffer, body: Uint8Array | undefined, allocate: Allocate | undefined, offset: number) {
    if (this.#dead) return Promise.reject(this.#dead);
    clearTimeout(this.#idleTimer);
    this.socket.ref();
    this.socket.setTimeout(this.stallTimeoutMs);
    return new Promise<{ header: ResponseHeader; bytes?: Uint8Array }>((resolve, reject) => {
      this.#exchange = { resolve, reject, allocate, offset, phase: 'header', received: 0 };
      this.#headerGot = 0;
      this.socket.cork();
      this.socket.write(request);
      if (body && body.byteLength) this.socket.write(body);
      this.socket.uncork();
    });
  }

  /** Parks the connection for reuse: it must not keep the process alive, and closes after `idleMs`. */
  park(idleMs: number): void {
    this.used = true;
    this.socket.setTimeout(0);
    this.socket.unref();
    this.#idleTimer = setTimeout(() => this.close(), idleMs);
    this.#idleTimer.unref();
  }

  close(): void {
    clearTimeout(this.#idleTimer);
    this.socket.destroy();
  }

  /** The region the next read fills: never empty (libuv fails a read into a zero-length buffer with ENOBUFS). */
  #nextBuffer(): Uint8Array {
    const x = this.#exchange;
    if (x?.phase === 'body') return x.target!.subarray(x.received);
    if (x?.phase === 'message') return x.dest!.subarray(x.received);
    return this.#headerBuf.subarray(this.#headerGot);
  }

  #onRead(n: number): boolean {
    const x = this.#exchange;
    if (!x) {
      this.#fail(new DataPlaneError('protocol', this.address, `${this.address} sent ${n} bytes nobody asked for`));
      return false;
    }
    try {
      if (x.phase === 'header') {
        this.#headerGot += n;
        if (this.#headerGot === RESPONSE_HEADER_BYTES) this.#startBody(x);
      } else {
        x.received += n;
      }
      if (x.phase === 'body' && x.received === x.target!.byteLength) this.#finish({ header: x.header!, bytes: x.dest });
      else if (x.phase === 'message' && x.received === x.dest!.byteLength) this.#refused(x);
    } catch (err) {
      this.#fail(err as Error);
      return false;
    }
    return true;
  }

  #startBody(x: Exchange): void {
    const h = decodeResponseHeader(this.#headerBuf, this.address);
    x.header = h;
    if (h.status !== 'ok') {
      x.phase = 'message'; // an empty message completes at once, in #onRead
      x.dest = new Uint8Array(h.bodyBytes);
      return;
    }
    if (!x.allocate) {
      if (h.bodyBytes !== 0) throw new DataPlaneError('protocol', this.address, `${this.address} sent ${h.bodyBytes} bytes in reply to an upload`);
      return this.#finish({ header: h });
    }
    if (h.bodyBytes !== h.totalSize - x.offset) {
      throw new DataPlaneError('protocol', this.address, `${this.address} announced ${h.bodyBytes} bytes from offset ${x.offset} of a ${h.totalSize}-byte object`);
    }
    x.dest = x.allocate(h.totalSize);
    x.target = x.dest.subarray(x.offset);
    x.phase = 'body';
  }

  #refused(x: Exchange): void {
    const message = new TextDecoder().decode(x.dest);
    this.#exchange = undefined;
    x.reject(new DataPlaneError(x.header!.status, this.address, message || `${this.address} answered ${x.header!.status}`));
  }

  #finish(r: { header: ResponseHeader; bytes?: Uint8Array }): void {
    const x = this.#exchange!;
    this.#exchange = undefined;
    this.#headerGot = 0;
    x.resolve(r);
  }

  #fail(err: Error): void {
    this.#die(err instanceof DataPlaneError ? err : new DataPlaneError('protocol', this.address, err.message, { cause: err }));
    this.socket.destroy();
  }

  #die(err: DataPlaneError): void {
    if (this.#dead) return;
    this.#dead = err;
    clearTimeout(this.#idleTimer);
    const x = this.#exchange;
    this.#exchange = undefined;
    if (x) {
      // A body cut short is a truncated transfer whatever the socket said; before any byte, a closed connection.
      const kind: DataPlaneFailure = x.phase === 'body' && x.received > 0 ? 'truncated' : err.kind;
      const detail = kind === 'truncated' && x.target ? ` after ${x.received} of ${x.target.byteLength} bytes` : '';
      x.reject(kind === err.kind && !detail ? err : new DataPlaneError(kind, this.address, `${err.message}${detail}`, { cause: err.cause }));
    }
    this.onDead(this);
  }

  /** True when an exchange on a reused connection failed before its body: the node may just have closed it. */
  static stale(c: DataConnection, err: unknown): boolean {
    return c.used && err instanceof DataPlaneError && (err.kind === 'closed' || err.kind === 'unreachable');
  }
}

export class DataPlaneClient {
  readonly #opts: z.output<typeof dataPlaneClientOptionsSchema>;
  readonly #idle = new Map<string, DataConnection[]>();
  readonly #busy = new Set<DataConnection>();
  /** Data ports that could not be reached, until when they are not tried again. */
  readonly #unreachable = new Map<string, number>();
  #closed = false;

  constructor(opts: DataPlaneClientOptions) {
    this.#opts = dataPlaneClientOptionsSchema.parse(opts);
  }

  /** False for a while after `address` could not be reached: use the node's gRPC port instead. */
  mayReach(address: string): boolean {
    const until = this.#unreachable.get(address);
    if (until === undefined) return true;
    if (Date.now() < until) return false;
    this.#unreachable.delete(address);
    return true;
  }

  /** The whole object `objectId` from the node at `address`, in a buffer from `allocate`. */
  async fetch(address: string, objectId: string, allocate: Allocate, offset = 0): Promise<Uint8Array> {
    const request = encodeRequest('get', { token: this.#opts.token, objectId, offset });
    const r = await this.#exchange(address, request, undefined, allocate, offset);
    return r.bytes!;
  }

  /** Uploads `bytes` as object `objectId` into the node's store; resolves once the node holds all of it. */
  async put(address: string, objectId: string, owner: string, bytes: Uint8Array): Promise<void> {
    const request = encodeRequest('put', { token: this.#opts.token, objectId, owner, size: bytes.byteLength });
    const r = await this.#exchange(address, request, bytes, undefined, 0);
    if (r.header.totalSize !== bytes.byteLength) {
      throw new DataPlaneError('protocol', address, `${address} stored ${r.header.totalSize} of ${bytes.byteLength} bytes of ${objectId}`);
    }
  }

  async #exchange(address: string, request: Buffer, body: Uint8Array | undefined, allocate: Allocate | undefined, offset: number) {
    if (this.#closed) throw new DataPlaneError('closed', address, 'the data-plane client is closed');
    for (let attempt = 0; ; attempt++) {
      const conn = this.#acquire(address);
      try {
        const r = await conn.exchange(request, body, allocate, offset);
        this.#release(conn);
        return r;
      } catch (err) {
        this.#busy.delete(conn);
        conn.close();
        // A parked connection the node closed meanwhile: one more try on a new one.
        if (attempt === 0 && DataConnection.stale(conn, err)) continue;
        if (err instanceof DataPlaneError && err.kind === 'unreachable') this.#unreachable.set(address, Date.now() + this.#opts.unreachableForMs);
        throw err;
      }
    }
  }

  #acquire(address: string): DataConnection {
    const idle = this.#idle.get(address);
    let conn: DataConnection | undefined;
    while (idle?.length && !conn?.alive) conn = idle.pop();
    if (!conn?.alive) conn = new DataConnection(address, this.#opts.stallTimeoutMs, this.#opts.connectTimeoutMs, (c) => this.#forget(c));
    this.#busy.add(conn);
    return conn;
  }

  #release(conn: DataConnection): void {
    this.#busy.delete(conn);
    const idle = this.#idle.get(conn.address) ?? [];
    if (this.#closed || !conn.alive || idle.length >= this.#opts.maxIdlePerAddress) return conn.close();
    idle.push(conn);
    this.#idle.set(conn.address, idle);
    conn.park(this.#opts.idleTimeoutMs);
  }

  #forget(conn: DataConnection): void {
    const idle = this.#idle.get(conn.address);
    const i = idle?.indexOf(conn) ?? -1;
    if (i >= 0) idle!.splice(i, 1);
  }

  /** Closes every connection; transfers in flight fail with DataPlaneError. */
  close(): void {
    this.#closed = true;
    for (const list of this.#idle.values()) for (const c of list) c.close();
    for (const c of this.#busy) c.close();
    this.#idle.clear();
    this.#busy.clear();
  }
}

export function parseAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new TypeError(`data-plane address ${JSON.stringify(address)} is not host:port`);
  }
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * An object from the node in `loc`: over its data plane when it has one that answers, else through `viaGrpc`
 * (the node's FetchObject stream: a TLS cluster, an older node, or a firewall that lets only the gRPC port
 * through). Failures become ObjectLostError naming the node (AuthError for a refused token), like gRPC's.
 */
export async function fetchObjectFast(
  data: DataPlaneClient | undefined,
  loc: ObjectLocation__Output,
  allocate: Allocate,
  viaGrpc: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  if (!data || !loc.dataAddress || !data.mayReach(loc.dataAddress)) return viaGrpc();
  try {
    return await data.fetch(loc.dataAddress, loc.objectId, allocate);
  } catch (err) {
    if (err instanceof DataPlaneError && err.kind === 'unreachable') return viaGrpc();
    throw objectError(err, loc);
  }
}

/**
 * Uploads `bytes` as object `objectId` to a node: over its data plane at `dataAddress` when it has one that
 * answers, else through `viaGrpc` (its PutObject stream). Resolves with the data address used, or with what
 * `viaGrpc` returned. A refused token is an AuthError naming the node, as with gRPC.
 */
export async function putObjectFast<T>(
  data: DataPlaneClient | undefined,
  target: { nodeId: string; dataAddress: string },
  objectId: string,
  owner: string,
  bytes: Uint8Array,
  viaGrpc: () => Promise<T>,
): Promise<{ dataAddress: string } | { viaGrpc: T }> {
  const { nodeId, dataAddress } = target;
  if (data && dataAddress && data.mayReach(dataAddress)) {
    try {
      await data.put(dataAddress, objectId, owner, bytes);
      return { dataAddress };
    } catch (err) {
      if (err instanceof DataPlaneError && err.kind === 'unauthorized') {
        throw new AuthError(`node ${nodeId} at ${dataAddress} refused the cluster token; check CONVOY_TOKEN or --token-file`, { cause: err });
      }
      if (!(err instanceof DataPlaneError && err.kind === 'unreachable')) throw err;
    }
  }
  return { viaGrpc: await viaGrpc() };
}

function objectError(err: unknown, loc: ObjectLocation__Output): Error {
  if (!(err instanceof DataPlaneError)) return err as Error;
  const where = `node ${loc.nodeId} at ${loc.dataAddress}`;
  if (err.kind === 'unauthorized') {
    return new AuthError(`${where} refused the cluster token for object ${loc.objectId}; check CONVOY_TOKEN or --token-file`, { cause: err });
  }
  const detail =
    err.kind === 'notFound'
      ? `node ${loc.nodeId} no longer holds it`
      : err.kind === 'truncated'
        ? `transfer from ${where} was cut short (${err.message})`
        : `could not fetch it from ${where}: ${err.message}`;
  const lost = new ObjectLostError(loc.objectId, detail);
  Object.defineProperty(lost, 'cause', { value: err, enumerable: false, configurable: true, writable: true });
  return lost;
}
