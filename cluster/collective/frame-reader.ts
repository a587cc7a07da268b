/**
 * Reads a peer's frames off one socket straight into the arrays that want them.
 *
 * The socket reads with `onread`: for each read the kernel writes into the region that comes next, either the
 * 16-byte frame header or the part of the payload's destination not yet filled. An operation that expects the
 * frame names the destination (the output array itself for an allgather, a scratch segment for a reduce);
 * a frame that arrives before its operation started (a faster peer) is read into a buffer of its own and
 * handed over, copied, once the operation asks. A peer is never more than one operation ahead (each waits for
 * the others' data), so that backlog stays small.
 */
import { decodeFrameHeader, FRAME_HEADER_BYTES, MAX_FRAME_PAYLOAD_BYTES, describeFrame, type FrameHeader } from './wire.ts';

export interface FrameSink {
  /** The destination of this frame's payload (exactly `h.bytes` long). Throws when the frame is not the one expected. */
  into(h: FrameHeader): Uint8Array;
  /** The payload is in place. */
  done(h: FrameHeader, payload: Uint8Array): void;
}

interface Current {
  header: FrameHeader;
  target: Uint8Array;
  filled: number;
  /** Whether `target` came from a sink (else it is backlog storage). */
  sunk: boolean;
}

export class FrameReader {
  readonly #header = new Uint8Array(FRAME_HEADER_BYTES);
  #headerFilled = 0;
  #current: Current | undefined;
  #sink: FrameSink | undefined;
  readonly #backlog: { header: FrameHeader; payload: Uint8Array }[] = [];

  /** Called when a frame is malformed or a sink refuses it; the reader stops making sense of the stream. */
  onError: (err: Error) => void = () => {};

  /** The region the next read fills: never empty (libuv fails a read into a zero-length buffer). */
  nextBuffer(): Uint8Array {
    const c = this.#current;
    return c ? c.target.subarray(c.filled) : this.#header.subarray(this.#headerFilled);
  }

  onRead(n: number): void {
    try {
      const c = this.#current;
      if (c) {
        c.filled += n;
        if (c.filled === c.target.byteLength) this.#complete(c);
        return;
      }
      this.#headerFilled += n;
      if (this.#headerFilled < FRAME_HEADER_BYTES) return;
      this.#headerFilled = 0;
      const header = decodeFrameHeader(this.#header);
      if (header.bytes > MAX_FRAME_PAYLOAD_BYTES) throw new Error(`peer announced ${describeFrame(header)}, over the ${MAX_FRAME_PAYLOAD_BYTES}-byte frame limit`);
      const sink = this.#sink;
      const next: Current = sink
        ? { header, target: sink.into(header), filled: 0, sunk: true }
        : { header, target: new Uint8Array(header.bytes), filled: 0, sunk: false };
      if (next.target.byteLength !== header.bytes) throw new Error(`no room for ${describeFrame(header)}`);
      if (header.bytes === 0) this.#complete(next);
      else this.#current = next;
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** Frames go to `sink` from now on, starting with any that arrived early. */
  setSink(sink: FrameSink | undefined): void {
    this.#sink = sink;
    try {
      while (this.#sink && this.#backlog.length) {
        const early = this.#backlog.shift()!;
        this.#deliver(this.#sink, early.header, early.payload);
      }
    } catch (err) {
      this.onError(err as Error);
    }
  }

  #complete(c: Current): void {
    this.#current = undefined;
    if (c.sunk) this.#sink!.done(c.header, c.target);
    else if (this.#sink && this.#backlog.length === 0) this.#deliver(this.#sink, c.header, c.target);
    else this.#backlog.push({ header: c.header, payload: c.target });
  }

  #deliver(sink: FrameSink, header: FrameHeader, payload: Uint8Array): void {
    const target = sink.into(header);
    if (target.byteLength !== payload.byteLength) throw new Error(`no room for ${describeFrame(header)}`);
    target.set(payload);
    sink.done(header, target);
  }
}
