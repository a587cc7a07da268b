/**
 * The data plane's wire format: object bytes between processes over a plain TCP socket, without gRPC's
 * framing, protobuf copies or HTTP/2 flow control (which cost 3–10× on a 512 MiB pull here).
 *
 * A connection carries one exchange at a time and may be reused for the next:
 *
 *     request   magic "CVD1" | op u8 | 3 zero bytes | JSON length u32 | JSON (token, objectId, ...)
 *               | for op PUT: exactly `size` raw bytes
 *     response  magic "CVD1" | status u8 | 3 zero bytes | total size u64 | body length u64 | body
 *
 * The body of an OK GET is the object's bytes from the requested offset, written straight from the store's
 * memory; the body of a refusal is a UTF-8 message. Every request carries the cluster token (the data port
 * is as protected as the gRPC port); a request with a missing or wrong one is answered UNAUTHORIZED and the
 * connection is closed, and one that cannot be read that far (no magic, unknown op, JSON longer than the
 * limit or not JSON) is closed without an answer. Integers are big-endian.
 */
import { z } from 'zod';

export const MAGIC = 0x43564431; // "CVD1"
export const REQUEST_HEADER_BYTES = 12;
export const RESPONSE_HEADER_BYTES = 24;
/** A request's JSON is a token and an id: anything larger is not a Convoy client. */
export const MAX_REQUEST_JSON_BYTES = 16 * 1024;
/** Refusal messages are short sentences; a longer "message" means the stream is not what it claims. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const Op = { get: 1, put: 2 } as const;
export type OpName = keyof typeof Op;

export const Status = { ok: 0, notFound: 1, unauthorized: 2, badRequest: 3, serverError: 4 } as const;
export type StatusName = keyof typeof Status;
const STATUS_NAMES = new Map<number, StatusName>(Object.entries(Status).map(([k, v]) => [v, k as StatusName]));

const objectId = z.string().min(1).max(1024);
export const getRequestSchema = z.object({
  token: z.string(),
  objectId,
  /** First byte wanted: a receiver that lost the tail of a transfer can ask for the rest. */
  offset: z.number().int().nonnegative().default(0),
});
export const putRequestSchema = z.object({
  token: z.string(),
  objectId,
  owner: z.string().max(1024).default(''),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
export type GetRequest = z.output<typeof getRequestSchema>;
export type PutRequest = z.output<typeof putRequestSchema>;

export type DataPlaneFailure = 'unreachable' | 'closed' | 'truncated' | 'protocol' | StatusName;

/**
 * A data-plane exchange that did not deliver: `kind` says how (the peer could not be reached, closed the
 * connection, cut a body short, spoke something else, or answered with a refusal status). Callers turn it
 * into ObjectLostError or AuthError naming the node.
 */
export class DataPlaneError extends Error {
  override readonly name = 'DataPlaneError';
  constructor(
    readonly kind: DataPlaneFailure,
    readonly address: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function encodeRequest(op: OpName, body: GetRequest | PutRequest): Buffer {
  const json = Buffer.from(JSON.stringify(body));
  const out = Buffer.allocUnsafe(REQUEST_HEADER_BYTES + json.byteLength);
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt32BE(Op[op] << 24, 4);
  out.writeUInt32BE(json.byteLength, 8);
  json.copy(out, REQUEST_HEADER_BYTES);
  return out;
}

export interface RequestHeader {
  op: OpName | undefined;
  jsonBytes: number;
}

/** Undefined when the bytes do not start a Convoy request at all (no magic): such a peer is dropped unanswered. */
export function decodeRequestHeader(b: Buffer): RequestHeader | undefined {
  if (b.readUInt32BE(0) !== MAGIC) return undefined;
  const code = b[4];
  const op = (Object.keys(Op) as OpName[]).find((k) => Op[k] === code);
  return { op, jsonBytes: b.readUInt32BE(8) };
}

export function encodeResponseHeader(status: StatusName, totalSize: number, bodyBytes: number): Buffer {
  const out = Buffer.alloc(RESPONSE_HEADER_BYTES);
  out.writeUInt32BE(MAGIC, 0);
  out[4] = Status[status];
  out.writeBigUInt64BE(BigInt(totalSize), 8);
  out.writeBigUInt64BE(BigInt(bodyBytes), 16);
  return out;
}

export interface ResponseHeader {
  status: StatusName;
  totalSize: number;
  bodyBytes: number;
}

export function decodeResponseHeader(b: Uint8Array, address: string): ResponseHeader {
  const view = new DataView(b.buffer, b.byteOffset, RESPONSE_HEADER_BYTES);
  if (view.getUint32(0) !== MAGIC) throw new DataPlaneError('protocol', address, `${address} is not a Convoy data plane (bad magic in its reply)`);
  const status = STATUS_NAMES.get(view.getUint8(4));
  if (!status) throw new DataPlaneError('protocol', address, `${address} answered with unknown status ${view.getUint8(4)}`);
  const totalSize = Number(view.getBigUint64(8));
  const bodyBytes = Number(view.getBigUint64(16));
  if (!Number.isSafeInteger(totalSize) || !Number.isSafeInteger(bodyBytes)) {
    throw new DataPlaneError('protocol', address, `${address} announced an impossible size (${totalSize}, ${bodyBytes})`);
  }
  if (status !== 'ok' && bodyBytes > MAX_MESSAGE_BYTES) {
    throw new DataPlaneError('protocol', address, `${address} announced a ${bodyBytes}-byte refusal message; limit ${MAX_MESSAGE_BYTES}`);
  }
  return { status, totalSize, bodyBytes };
}
