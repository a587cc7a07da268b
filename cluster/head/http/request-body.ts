/**
 * Request bodies, read under a limit that holds while reading: a body that declares a larger Content-Length
 * is refused before any of it is read, and one sent without a length (chunked) stops being kept the moment it
 * passes the limit. Either way the head answers 413 naming the limit instead of cutting the connection: the
 * rest of a body already on its way is read and dropped (up to DRAIN_BYTES or as much again as the limit,
 * then the connection is closed), because a server that closes on a client still sending makes the client's kernel
 * see a reset, and the client never reads the answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { UploadTooLargeError } from '../../common/errors.ts';

/** What a refused body without a length may still send (and have dropped) before its connection is cut. */
const DRAIN_BYTES = 64 * 1024 * 1024;

export function tooLarge(limit: number): UploadTooLargeError {
  return new UploadTooLargeError(limit, `request body above the limit of ${limit} bytes (${mib(limit)})`);
}

/** The Content-Length a request declares, when it declares one. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const v = req.headers['content-length'];
  return v === undefined ? undefined : Number(v);
}

/** What reading a body cost: bytes read from the socket and the most ever held in memory at once. */
export interface BodyAccount {
  read: number;
  buffered: number;
}

/** Passes bytes through until more than `limit` have come, then fails with UploadTooLargeError. */
export class ByteLimit extends Transform {
  constructor(
    private readonly limit: number,
    private readonly account: BodyAccount = { read: 0, buffered: 0 },
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.account.read += chunk.byteLength;
    if (this.account.read > this.limit) return done(tooLarge(this.limit));
    done(null, chunk);
  }
}

/** Reads a whole (small, JSON) body into memory; never holds more than `limit` bytes of it. */
export function readBody(req: IncomingMessage, limit: number, account: BodyAccount = { read: 0, buffered: 0 }): Promise<Buffer> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => {
      account.read += c.byteLength;
      if (account.read > limit) {
        chunks.length = 0;
        req.off('data', onData);
        req.off('end', onEnd);
        dropRest(req, limit);
        return reject(tooLarge(limit));
      }
      chunks.push(c);
      account.buffered = account.read;
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

/**
 * Streams a body through a ByteLimit. `req.pipe`, not `pipeline`: a refusal must not destroy the request
 * (and with it the socket the 413 goes out on); the rest of the body is dropped instead.
 */
export function limitedBody(req: IncomingMessage, limit: number, account?: BodyAccount): ByteLimit {
  const declared = declaredLength(req);
  const out = new ByteLimit(limit, account);
  if (declared !== undefined && declared > limit) {
    out.destroy(tooLarge(limit));
    return out;
  }
  out.on('error', () => {
    req.unpipe(out);
    dropRest(req, limit);
  });
  req.on('error', (err) => out.destroy(err));
  req.pipe(out);
  return out;
}

/**
 * After a refusal, what to do with the body not read: a declared body larger than the limit plus the drain
 * bound is not read at all and the connection closes after the answer (its client may see a reset: it was
 * sending far more than the route takes); anything else is dropped as it comes, so the client reads the answer.
 */
export function refuseRestOfBody(req: IncomingMessage, res: ServerResponse, limit: number): void {
  const declared = declaredLength(req);
  if (req.complete) return;
  // A client that asked before sending (Expect: 100-continue) and was not told to go on sends nothing more.
  const toldNotToSend = declared !== undefined && declared > limit && req.headers.expect?.toLowerCase() === '100-continue';
  if (toldNotToSend || (declared !== undefined && declared > limit + Math.max(limit, DRAIN_BYTES))) {
    res.setHeader('connection', 'close');
    return;
  }
  dropRest(req, limit);
}

/**
 * Reads and forgets what is left of a refused body, up to a bound (what refuseRestOfBody lets a declared body
 * send: the limit plus the drain allowance), then closes the connection.
 */
function dropRest(req: IncomingMessage, limit: number): void {
  if (req.listenerCount('data') && !req.isPaused()) return; // already being dropped
  const bound = limit + Math.max(limit, DRAIN_BYTES);
  let dropped = 0;
  req.on('data', (c: Buffer) => {
    dropped += c.byteLength;
    if (dropped > bound) req.socket.destroy();
  });
  req.resume();
}

function mib(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(n % (1 << 20) ? 1 : 0)} MiB` : `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} KiB`;
}
