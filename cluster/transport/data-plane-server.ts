/**
 * The serving end of the data plane (see data-plane-wire.ts): a node's second port, next to its gRPC server,
 * that answers object reads with the raw bytes written straight from the store's memory (no protobuf, no
 * per-chunk allocation) and takes uploads into store buffers.
 *
 * Every request must carry the cluster token (compared in constant time); a wrong or missing one is refused
 * and the connection closed before anything is read from the store. Before that check nothing else is said:
 * a malformed request is dropped without an answer. Bytes being written stay borrowed from
 * the store (pinned, never recycled) until the kernel has taken the last of them or the connection is gone.
 */
import net from 'node:net';
import { z } from 'zod';
import { tokenMatches } from '../common/auth.ts';
import type { Logger } from '../common/logger.ts';
import { formatZodIssues } from '../common/zod-issues.ts';
import {
  decodeRequestHeader,
  encodeResponseHeader,
  getRequestSchema,
  MAX_REQUEST_JSON_BYTES,
  putRequestSchema,
  REQUEST_HEADER_BYTES,
  type GetRequest,
  type PutRequest,
  type StatusName,
} from './data-plane-wire.ts';

/** Where served bytes come from: the store, which holds an object's memory for this reader until `release`. */
export interface ObjectSource {
  borrow(objectId: string): Promise<{ bytes: Uint8Array; release: () => void } | undefined>;
}

/** Where uploads go: a buffer for the bytes, then the finished object. */
export interface ObjectSink {
  allocate(size: number): Uint8Array;
  store(objectId: string, owner: string, bytes: Uint8Array): void;
}

export const dataPlaneServerOptionsSchema = z.object({
  token: z.string().min(1),
  /** Interface to listen on (the gRPC server's). @default '127.0.0.1' */
  host: z.string().default('127.0.0.1'),
  /** @default 0 (any free port) */
  port: z.number().int().min(0).max(65535).default(0),
  /** Names this server in refusals and logs, e.g. the node id. @default 'data plane' */
  name: z.string().default('data plane'),
  /** A connection that sends no complete request for this long is closed. @default 10_000 */
  requestTimeoutMs: z.number().int().positive().default(10_000),
  /** A connection idle between requests (or stalled mid-upload) for this long is closed. @default 120_000 */
  idleTimeoutMs: z.number().int().positive().default(120_000),
});
export type DataPlaneServerOptions = z.input<typeof dataPlaneServerOptionsSchema>;

export interface DataPlaneStats {
  /** Object reads answered with bytes. */
  served: number;
  servedBytes: number;
  uploads: number;
  uploadedBytes: number;
  /** Requests refused for a missing or wrong token. */
  unauthorized: number;
}

export class DataPlaneServer {
  readonly #opts: z.output<typeof dataPlaneServerOptionsSchema>;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #stats: DataPlaneStats = { served: 0, servedBytes: 0, uploads: 0, uploadedBytes: 0, unauthorized: 0 };
  #port = 0;

  constructor(
    opts: DataPlaneServerOptions,
    private readonly source: ObjectSource,
    private readonly sink: ObjectSink,
    private readonly log?: Logger,
  ) {
    this.#opts = dataPlaneServerOptionsSchema.parse(opts);
    this.#server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket));
  }

  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#opts.port, this.#opts.host, () => {
        this.#server.off('error', reject);
        this.#port = (this.#server.address() as net.AddressInfo).port;
        resolve(this.#port);
      });
    });
  }

  get port(): number {
    return this.#port;
  }

  stats(): DataPlaneStats {
    return { ...this.#stats };
  }

  /** Stops accepting and closes every connection (transfers in flight end; their borrows are released). */
  close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', (err) => this.log?.debug({ err: err.message }, 'data-plane connection failed'));
    socket.on('timeout', () => socket.destroy());
    socket.setTimeout(this.#opts.requestTimeoutMs);
    new ServerConnection(socket, this.#opts, this.source, this.sink, this.#stats, this.log).start();
  }
}

/** One accepted connection: reads requests, serves reads, receives uploads, one exchange at a time. */
class ServerConnection {
  #pending: Buffer = Buffer.alloc(0);
  #upload: { req: PutRequest; dest: Uint8Array; got: number } | undefined;
  /** Set once the connection was refused: whatever else the peer sends is dropped. */
  #refused = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly opts: z.output<typeof dataPlaneServerOptionsSchema>,
    private readonly source: ObjectSource,
    private readonly sink: ObjectSink,
    private readonly stats: DataPlaneStats,
    private readonly log: Logger | undefined,
  ) {}

  start(): void {
    this.socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  #onData(chunk: Buffer): void {
    if (this.#refused) return;
    if (this.#upload) return this.#receive(chunk);
    this.#pending = this.#pending.byteLength ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#parse();
  }

  #parse(): void {
    if (this.#pending.byteLength < REQUEST_HEADER_BYTES) return;
    const header = decodeRequestHeader(this.#pending);
    // Until the token is checked the peer learns nothing, not even what was wrong with its request: not the
    // protocol at all (a port scan, a stray HTTP request), an unknown op, a length past the limit or JSON that
    // does not parse all just close the connection.
    if (!header) return this.#drop('no protocol magic');
    if (!header.op) return this.#drop('unknown op');
    if (header.jsonBytes > MAX_REQUEST_JSON_BYTES) return this.#drop('request too long');
    const end = REQUEST_HEADER_BYTES + header.jsonBytes;
    if (this.#pending.byteLength < end) return;
    const rest = this.#pending.subarray(end);
    let body: unknown;
    try {
      body = JSON.parse(this.#pending.toString('utf8', REQUEST_HEADER_BYTES, end));
    } catch {
      return this.#drop('request is not JSON');
    }
    this.#pending = Buffer.alloc(0);
    const token = (body as { token?: unknown } | null)?.token;
    if (!tokenMatches(typeof token === 'string' ? token : undefined, this.opts.token)) {
      this.stats.unauthorized++;
      this.log?.warn({ remote: this.socket.remoteAddress }, 'data-plane request refused: missing or wrong cluster token');
      return this.#refuse('unauthorized', 'missing or wrong cluster token; check CONVOY_TOKEN or --token-file');
    }
    const parsed = (header.op === 'get' ? getRequestSchema : putRequestSchema).safeParse(body);
    if (!parsed.success) return this.#refuse('badRequest', `bad data-plane ${header.op} request: ${formatZodIssues(parsed.error.issues, { separator: ' ' }).join('; ')}`);
    if (header.op === 'get') {
      if (rest.byteLength) return this.#refuse('badRequest', 'a read request must be answered before the next one is sent');
      void this.#serve(parsed.data as GetRequest);
    } else this.#startUpload(parsed.data as PutRequest, rest);
  }

  async #serve(req: GetRequest): Promise<void> {
    this.socket.pause();
    this.socket.setTimeout(0); // a large body may take longer than any timeout; TCP notices a dead peer
    let lent: Awaited<ReturnType<ObjectSource['borrow']>>;
    try {
      lent = await this.source.borrow(req.objectId);
    } catch (err) {
      return this.#reply('serverError', 0, `object ${req.objectId} could not be read on ${this.opts.name}: ${(err as Error).message}`);
    }
    if (!lent) return this.#reply('notFound', 0, `object ${req.objectId} is not on ${this.opts.name}`);
    const { bytes } = lent;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      lent!.release();
    };
    if (req.offset > bytes.byteLength) {
      release();
      return this.#reply('badRequest', bytes.byteLength, `offset ${req.offset} is past the end of object ${req.objectId} (${bytes.byteLength} bytes)`);
    }
    if (this.socket.destroyed) return release();
    // Also on close: a destroyed socket may not call back every write, and after 'close' libuv holds no buffer.
    this.socket.once('close', release);
    const started = performance.now();
    const body = bytes.subarray(req.offset);
    const done = (err?: Error | null) => {
      release();
      this.socket.off('close', release);
      if (err) return;
      this.stats.served++;
      this.stats.servedBytes += body.byteLength;
      this.log?.debug({ objectId: req.objectId, bytes: body.byteLength, ms: Math.round(performance.now() - started) }, 'object served over the data plane');
      this.#ready();
    };
    this.socket.cork();
    this.socket.write(encodeResponseHeader('ok', bytes.byteLength, body.byteLength), body.byteLength ? undefined : done);
    if (body.byteLength) this.socket.write(body, done);
    this.socket.uncork();
  }

  #startUpload(req: PutRequest, rest: Buffer): void {
    let dest: Uint8Array;
    try {
      dest = this.sink.allocate(req.size);
    } catch (err) {
      return this.#refuse('serverError', `${this.opts.name} cannot hold ${req.size} bytes for ${req.objectId}: ${(err as Error).message}`);
    }
    this.#upload = { req, dest, got: 0 };
    this.socket.setTimeout(this.opts.idleTimeoutMs);
    if (rest.byteLength || req.size === 0) this.#receive(rest);
  }

  #receive(chunk: Buffer): void {
    const u = this.#upload!;
    if (u.got + chunk.byteLength > u.dest.byteLength) {
      this.#upload = undefined;
      return this.#refuse('badRequest', `upload of ${u.req.objectId} sent more than the announced ${u.req.size} bytes`);
    }
    u.dest.set(chunk, u.got);
    u.got += chunk.byteLength;
    if (u.got < u.dest.byteLength) return;
    this.#upload = undefined;
    try {
      this.sink.store(u.req.objectId, u.req.owner, u.dest);
    } catch (err) {
      return this.#refuse('serverError', `${this.opts.name} could not store ${u.req.objectId}: ${(err as Error).message}`);
    }
    this.stats.uploads++;
    this.stats.uploadedBytes += u.got;
    this.socket.write(encodeResponseHeader('ok', u.got, 0));
    this.#ready();
  }

  /** Waits for the next request on this connection. */
  #ready(): void {
    this.socket.setTimeout(this.opts.idleTimeoutMs);
    this.socket.resume();
    if (this.#pending.byteLength) this.#parse();
  }

  #reply(status: StatusName, totalSize: number, message: string): void {
    const text = Buffer.from(message);
    this.socket.write(Buffer.concat([encodeResponseHeader(status, totalSize, text.byteLength), text]));
    this.#ready();
  }

  /** Closes without a word, for a peer not (yet) known to hold the token. */
  #drop(why: string): void {
    this.#refused = true;
    this.#pending = Buffer.alloc(0);
    this.log?.debug({ remote: this.socket.remoteAddress, why }, 'data-plane connection dropped before the token check');
    this.socket.destroy();
  }

  /** Answers and closes: after a refusal the rest of the stream cannot be trusted to be framed. */
  #refuse(status: StatusName, message: string): void {
    const text = Buffer.from(message);
    this.#refused = true;
    this.#pending = Buffer.alloc(0);
    this.socket.end(Buffer.concat([encodeResponseHeader(status, 0, text.byteLength), text]));
    this.socket.destroySoon();
  }
}
