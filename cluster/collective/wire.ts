/**
 * The collective wire format: how the ranks of a collective group talk to each other over plain TCP.
 *
 * Every pair of ranks shares two connections, one per direction. The rank that receives dials (so its socket
 * can read with `onread` straight into the destination array, as the data plane does), and opens with a hello:
 *
 *     hello     magic "CVC1" | JSON length u32 | JSON { token, group, rank, size }   (rank: the dialer's)
 *     answer    magic "CVC1" | status u8 | 3 zero bytes                             (0: accepted)
 *
 * A hello with a wrong token, or one that cannot be read, is closed without an answer: a caller without the
 * token learns nothing, as on the data plane. Afterwards the accepting side sends frames only:
 *
 *     frame     seq u32 | phase u8 | 1 zero byte | step u16 | segment u32 | payload length u32 | payload
 *
 * `seq` numbers the group's operations (every rank calls them in the same order, as in MPI and
 * torch.distributed); the receiver checks each frame against the one it expects, so a rank that called a
 * different operation or a different size fails with a clear error instead of adding garbage. Integers are
 * big-endian; payloads are the raw bytes of the caller's Float32Array (this machine's byte order: the ranks of
 * one group run the same build).
 */
import { z } from 'zod';

export const HELLO_MAGIC = 0x43564331; // "CVC1"
export const HELLO_HEADER_BYTES = 8;
export const ANSWER_BYTES = 8;
export const FRAME_HEADER_BYTES = 16;
/** A hello is a token, a group name and two numbers. */
export const MAX_HELLO_JSON_BYTES = 4096;
/** Segments are at most a few MiB; a larger announced payload means the stream is not what it claims. */
export const MAX_FRAME_PAYLOAD_BYTES = 256 * 1024 * 1024;

export const helloSchema = z.strictObject({
  token: z.string(),
  group: z.string().min(1).max(256),
  rank: z.number().int().nonnegative(),
  size: z.number().int().positive(),
});
export type Hello = z.infer<typeof helloSchema>;

/** What a frame belongs to: the ring's two halves, a direct exchange, a broadcast. */
export const Phase = { reduceScatter: 0, allgather: 1, direct: 2, broadcast: 3 } as const;
export type PhaseCode = (typeof Phase)[keyof typeof Phase];

export interface FrameHeader {
  seq: number;
  phase: number;
  step: number;
  segment: number;
  bytes: number;
}

export function encodeHello(hello: Hello): Buffer {
  const json = Buffer.from(JSON.stringify(hello));
  const out = Buffer.allocUnsafe(HELLO_HEADER_BYTES + json.byteLength);
  out.writeUInt32BE(HELLO_MAGIC, 0);
  out.writeUInt32BE(json.byteLength, 4);
  json.copy(out, HELLO_HEADER_BYTES);
  return out;
}

export function encodeAnswer(status: number): Buffer {
  const out = Buffer.alloc(ANSWER_BYTES);
  out.writeUInt32BE(HELLO_MAGIC, 0);
  out[4] = status;
  return out;
}

export function encodeFrameHeader(h: FrameHeader): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  out.writeUInt32BE(h.seq >>> 0, 0);
  out[4] = h.phase;
  out[5] = 0;
  out.writeUInt16BE(h.step, 6);
  out.writeUInt32BE(h.segment, 8);
  out.writeUInt32BE(h.bytes, 12);
  return out;
}

export function decodeFrameHeader(b: Uint8Array): FrameHeader {
  const v = new DataView(b.buffer, b.byteOffset, FRAME_HEADER_BYTES);
  return { seq: v.getUint32(0), phase: v.getUint8(4), step: v.getUint16(6), segment: v.getUint32(8), bytes: v.getUint32(12) };
}

export function describeFrame(h: Pick<FrameHeader, 'seq' | 'phase' | 'step' | 'segment' | 'bytes'>): string {
  const phase = Object.entries(Phase).find(([, v]) => v === h.phase)?.[0] ?? `phase ${h.phase}`;
  return `op #${h.seq} ${phase} step ${h.step} segment ${h.segment} (${h.bytes} bytes)`;
}
