/**
 * A collective group: N ranks in different processes (or machines) that allreduce, broadcast and barrier
 * together, as torch.distributed's process groups and Ray's collective groups do.
 *
 * Algorithms, chosen by size as gloo and NCCL choose them:
 * - large vectors go round a ring (Baidu/Horovod): the vector is cut into N chunks; in N−1 reduce-scatter steps
 *   each rank adds the chunk it receives to its own and passes the sum on, after which each rank holds one
 *   chunk fully summed; N−1 allgather steps circulate those. Each rank sends 2·(N−1)/N of the vector whatever
 *   N is. Chunks travel as segments (a few MiB), and each segment is added and forwarded the moment it lands,
 *   so the ring is a pipeline: the network, the additions and the next hop overlap.
 * - small vectors (below `directBelowBytes`) go to every peer at once, and each rank adds the N vectors in rank
 *   order: one round trip instead of 2·(N−1).
 * Either way every rank ends with the same bits: each element is summed once, in one fixed order, on one rank
 * (ring) or in the same order on all (direct). Replicas that apply the same update to the same bits stay equal.
 *
 * Operations run one at a time, in call order, and every rank must call the same operations in the same order
 * (the MPI rule); each frame names its operation, so a rank that strays fails loudly. A peer that dies closes
 * its sockets and the operation fails at once; one that stops answering (partitioned, frozen) fails it after
 * `timeoutMs` without a byte. After a failure the group is broken: every later call fails with the same error.
 */
import type net from 'node:net';
import { CollectiveError } from '../common/errors.ts';
import type { FrameReader, FrameSink } from './frame-reader.ts';
import { createSegmentAdder, type SegmentAdder } from './segment-adder.ts';
import { describeFrame, encodeFrameHeader, Phase, type FrameHeader, type PhaseCode } from './wire.ts';

export interface CollectiveSettings {
  /** An operation fails when the peer it waits for sends nothing for this long. */
  timeoutMs: number;
  /** Ring payloads travel in segments of at most this many bytes. */
  segmentBytes: number;
  /** Vectors smaller than this go straight to every peer instead of round the ring. */
  directBelowBytes: number;
}

export interface AllreduceOptions {
  /** `sum` (default) or `mean` (the sum divided by the group's size). */
  op?: 'sum' | 'mean';
  /** Write the result into the input array instead of a new one. @default false */
  inPlace?: boolean;
}

/** A connection to one peer: frames from it arrive through `reader`, frames to it go out on `out`. */
export interface PeerLinks {
  readonly reader: FrameReader;
  readonly inbound: net.Socket;
  readonly out: net.Socket;
}

interface RunningOp {
  readonly seq: number;
  readonly name: string;
  fail(err: CollectiveError): void;
}

/** Element bounds of `parts` nearly equal chunks: chunk k is [bounds[k], bounds[k+1]). */
export function chunkBounds(length: number, parts: number): number[] {
  const bounds = [0];
  for (let k = 1; k <= parts; k++) bounds.push(Math.round((length * k) / parts));
  return bounds;
}

const bytesOf = (a: Float32Array, from: number, to: number) => new Uint8Array(a.buffer, a.byteOffset + from * 4, (to - from) * 4);

export class CollectiveGroup {
  #seq = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #broken: CollectiveError | undefined;
  #running: RunningOp | undefined;
  #closed = false;
  #adder: SegmentAdder | undefined;

  /** @internal Built by {@link CollectiveEndpoint.join}. */
  constructor(
    readonly name: string,
    readonly rank: number,
    readonly size: number,
    private readonly peers: ReadonlyMap<number, PeerLinks>,
    private readonly settings: CollectiveSettings,
  ) {
    for (const [peer, links] of peers) {
      links.reader.onError = (err) =>
        this.#fail(err instanceof CollectiveError ? err : new CollectiveError(name, rank, peer, `rank ${peer} sent a malformed frame (${err.message}); the group is broken`));
      const lost = (why: string) => () => this.#fail(new CollectiveError(name, rank, peer, `rank ${peer} ${why}; the group is broken (re-form it)`, undefined, true));
      // Only the inbound side counts: everything a peer sent is read before its close is seen, whereas a peer
      // that finished and left closes our outbound side while its last frames to us may still be arriving.
      // A peer that is gone while we still write to it also fails our reads (its inbound socket resets).
      links.inbound.on('close', lost('closed its connection (its process died or left the group)'));
      links.inbound.on('error', () => {});
      links.out.on('error', () => {});
    }
  }

  /** Element-wise sum (or mean) of `values` over all ranks. Every rank passes a vector of the same length. */
  allreduce(values: Float32Array, options: AllreduceOptions = {}): Promise<Float32Array> {
    const out = options.inPlace ? values : Float32Array.from(values);
    return this.#enqueue('allreduce', async (seq) => {
      if (this.size > 1) {
        if (values.byteLength < this.settings.directBelowBytes) await this.#directAllreduce(seq, out);
        else await this.#ringAllreduce(seq, out);
      }
      if (options.op === 'mean' && this.size > 1) {
        const inv = 1 / this.size;
        for (let i = 0; i < out.length; i++) out[i]! *= inv;
      }
      return out;
    });
  }

  /** The mean over all ranks (what data-parallel trainers average gradients with). */
  allreduceMean(values: Float32Array): Promise<Float32Array> {
    return this.allreduce(values, { op: 'mean' });
  }

  /** Rank `root`'s `values` on every rank: the others pass an array of the same length, which is overwritten. */
  broadcast(values: Float32Array, root = 0): Promise<Float32Array> {
    if (!Number.isInteger(root) || root < 0 || root >= this.size) {
      return Promise.reject(new RangeError(`broadcast root ${root} is not a rank of group ${JSON.stringify(this.name)} (size ${this.size})`));
    }
    return this.#enqueue('broadcast', async (seq) => {
      if (this.size > 1) await this.#broadcast(seq, values, root);
      return values;
    });
  }

  /** Resolves once every rank has called it. */
  async barrier(): Promise<void> {
    await this.#enqueue('barrier', (seq) => this.#directAllreduce(seq, new Float32Array(1)));
  }

  /** Closes the connections; peers see this rank leave. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#running?.fail(new CollectiveError(this.name, this.rank, undefined, 'the group was closed on this rank'));
    // end(), not destroy(): frames this rank wrote last may still be queued, and a peer is waiting for them.
    for (const { inbound, out } of this.peers.values()) {
      out.end();
      inbound.end();
    }
  }

  #enqueue<T>(name: string, run: (seq: number) => Promise<T>): Promise<T> {
    const result = this.#tail.then(() => {
      if (this.#broken) throw this.#broken;
      if (this.#closed) throw new CollectiveError(this.name, this.rank, undefined, 'the group is closed');
      return run(++this.#seq);
    });
    this.#tail = result.catch(() => {});
    return result;
  }

  #fail(err: CollectiveError): void {
    if (this.#closed || this.#broken) return;
    this.#broken = err;
    this.#running?.fail(err);
    for (const { inbound, out } of this.peers.values()) {
      inbound.destroy();
      out.destroy();
    }
  }

  #send(peer: number, header: FrameHeader, payload: Uint8Array): void {
    const out = this.peers.get(peer)!.out;
    out.cork();
    out.write(encodeFrameHeader(header));
    if (payload.byteLength) out.write(payload);
    out.uncork();
  }

  /**
   * Runs one operation: `start` sends what the rank sends first and returns how each peer's frames are
   * consumed (its sinks call `finish` when the operation is complete and `heard(peer)` when a peer has sent
   * all it will). Settles with an error when a peer dies, stalls past the timeout or sends a frame that is
   * not expected.
   */
  #run(
    seq: number,
    name: string,
    start: (finish: () => void, heard: (peer: number) => void) => Map<number, FrameSink>,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let sinks = new Map<number, FrameSink>();
      const heardFrom = new Set<number>();
      const timer = setTimeout(() => {
        const silent = [...sinks.keys()].filter((p) => !heardFrom.has(p));
        this.#fail(
          new CollectiveError(
            this.name,
            this.rank,
            silent[0],
            `${name} #${seq}: no data from rank ${silent.join(', rank ')} for ${this.settings.timeoutMs} ms ` +
              '(its process is stopped, partitioned or far behind); the group is broken (re-form it)',
          ),
        );
      }, this.settings.timeoutMs);
      const settle = (err?: CollectiveError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#running = undefined;
        for (const p of sinks.keys()) this.peers.get(p)?.reader.setSink(undefined);
        if (err) reject(err);
        else resolve();
      };
      this.#running = { seq, name, fail: settle };
      // A peer that has sent all it sends in this operation may already be on the next one: its next frames
      // must wait in its reader's backlog, not reach this operation's sink.
      const heard = (peer: number) => {
        heardFrom.add(peer);
        this.peers.get(peer)?.reader.setSink(undefined);
      };
      sinks = start(() => settle(), heard);
      // A rank with nothing to receive (a broadcast root) is done once it has sent.
      if (sinks.size === 0) return settle();
      for (const [peer, sink] of sinks) {
        if (settled) break;
        if (heardFrom.has(peer)) continue;
        this.peers.get(peer)!.reader.setSink({
          into: (h) => {
            if (h.seq !== seq) {
              throw new CollectiveError(this.name, this.rank, peer, `rank ${peer} sent ${describeFrame(h)} while this rank runs ${name} #${seq}: ranks must call collectives in the same order`);
            }
            return sink.into(h);
          },
          done: (h, payload) => {
            timer.refresh();
            sink.done(h, payload);
          },
        });
      }
    });
  }

  /** An `into` that refuses a frame other than the one expected, naming both. */
  #expect(peer: number, h: FrameHeader, phase: PhaseCode, step: number, segment: number, bytes: number): void {
    if (h.phase !== phase || h.step !== step || h.segment !== segment || h.bytes !== bytes) {
      throw new CollectiveError(
        this.name,
        this.rank,
        peer,
        `rank ${peer} sent ${describeFrame(h)}, expected ${describeFrame({ seq: h.seq, phase, step, segment, bytes })}: ` +
          'ranks must pass vectors of the same length to the same operations',
      );
    }
  }

  async #directAllreduce(seq: number, out: Float32Array): Promise<void> {
    const bytes = out.byteLength;
    const received = new Map<number, Float32Array>();
    const mine = Float32Array.from(out);
    await this.#run(seq, 'allreduce', (finish, heard) => {
      const sinks = new Map<number, FrameSink>();
      for (const peer of this.peers.keys()) {
        const slot = new Float32Array(out.length);
        sinks.set(peer, {
          into: (h) => {
            this.#expect(peer, h, Phase.direct, 0, 0, bytes);
            return bytesOf(slot, 0, slot.length);
          },
          done: () => {
            received.set(peer, slot);
            heard(peer);
            if (received.size === this.size - 1) finish();
          },
        });
      }
      for (const peer of this.peers.keys()) this.#send(peer, { seq, phase: Phase.direct, step: 0, segment: 0, bytes }, bytesOf(mine, 0, mine.length));
      return sinks;
    });
    // Rank order on every rank: the same additions, so the same bits.
    out.set(this.rank === 0 ? mine : received.get(0)!);
    for (let r = 1; r < this.size; r++) {
      const v = r === this.rank ? mine : received.get(r)!;
      for (let i = 0; i < out.length; i++) out[i]! += v[i]!;
    }
  }

  async #ringAllreduce(seq: number, out: Float32Array): Promise<void> {
    const n = this.size;
    const rank = this.rank;
    const next = (rank + 1) % n;
    const prev = (rank + n - 1) % n;
    const mod = (k: number) => ((k % n) + n) % n;
    const bounds = chunkBounds(out.length, n);
    const segmentElems = Math.max(1, Math.floor(this.settings.segmentBytes / 4));
    const segmentsOf = (chunk: number) => Math.max(1, Math.ceil((bounds[chunk + 1]! - bounds[chunk]!) / segmentElems));
    const segmentRange = (chunk: number, s: number): [number, number] => {
      const from = bounds[chunk]! + s * segmentElems;
      return [Math.min(from, bounds[chunk + 1]!), Math.min(from + segmentElems, bounds[chunk + 1]!)];
    };
    // One per group and segment size: operations run one at a time, so they can share it.
    if (this.#adder?.scratch.length !== segmentElems) this.#adder = createSegmentAdder(segmentElems);
    const adder = this.#adder;
    const scratch = adder.scratch;
    // Steps 0..n-2 reduce-scatter (chunk rank-s-1 arrives), n-1..2n-3 allgather (chunk rank-t arrives).
    const steps = 2 * (n - 1);
    const chunkAt = (step: number) => (step < n - 1 ? mod(rank - step - 1) : mod(rank - (step - (n - 1))));
    const header = (step: number, segment: number, bytes: number): FrameHeader =>
      step < n - 1
        ? { seq, phase: Phase.reduceScatter, step, segment, bytes }
        : { seq, phase: Phase.allgather, step: step - (n - 1), segment, bytes };
    let step = 0;
    let segment = 0;
    await this.#run(seq, 'allreduce', (finish, heard) => {
      const sink: FrameSink = {
        into: (h) => {
          const chunk = chunkAt(step);
          const [from, to] = segmentRange(chunk, segment);
          const expected = header(step, segment, (to - from) * 4);
          this.#expect(prev, h, expected.phase as PhaseCode, expected.step, segment, expected.bytes);
          return step < n - 1 ? bytesOf(scratch, 0, to - from) : bytesOf(out, from, to);
        },
        done: () => {
          const chunk = chunkAt(step);
          const [from, to] = segmentRange(chunk, segment);
          if (step < n - 1) adder.addInto(out, from, to);
          // Pass the segment on: its sum to the next reduce step, or the final value round the allgather.
          if (step < steps - 1) this.#send(next, header(step + 1, segment, (to - from) * 4), bytesOf(out, from, to));
          if (++segment === segmentsOf(chunk)) {
            segment = 0;
            if (++step === steps) {
              heard(prev);
              finish();
            }
          }
        },
      };
      for (let s = 0; s < segmentsOf(rank); s++) {
        const [from, to] = segmentRange(rank, s);
        this.#send(next, header(0, s, (to - from) * 4), bytesOf(out, from, to));
      }
      return new Map([[prev, sink]]);
    });
  }

  async #broadcast(seq: number, values: Float32Array, root: number): Promise<void> {
    const n = this.size;
    const bytes = values.byteLength;
    if (bytes < this.settings.directBelowBytes) {
      await this.#run(seq, 'broadcast', (finish, heard) => {
        if (this.rank === root) {
          for (const peer of this.peers.keys()) this.#send(peer, { seq, phase: Phase.broadcast, step: 0, segment: 0, bytes }, bytesOf(values, 0, values.length));
          return new Map();
        }
        return new Map([
          [
            root,
            {
              into: (h: FrameHeader) => {
                this.#expect(root, h, Phase.broadcast, 0, 0, bytes);
                return bytesOf(values, 0, values.length);
              },
              done: () => {
                heard(root);
                finish();
              },
            },
          ],
        ]);
      });
      return;
    }
    // Large: a pipeline along the ring from the root; each rank forwards each segment as it lands.
    const next = (this.rank + 1) % n;
    const prev = (this.rank + n - 1) % n;
    const segmentElems = Math.max(1, Math.floor(this.settings.segmentBytes / 4));
    const segments = Math.max(1, Math.ceil(values.length / segmentElems));
    const range = (s: number): [number, number] => [Math.min(s * segmentElems, values.length), Math.min((s + 1) * segmentElems, values.length)];
    await this.#run(seq, 'broadcast', (finish, heard) => {
      if (this.rank === root) {
        for (let s = 0; s < segments; s++) {
          const [from, to] = range(s);
          this.#send(next, { seq, phase: Phase.broadcast, step: 0, segment: s, bytes: (to - from) * 4 }, bytesOf(values, from, to));
        }
        return new Map();
      }
      let s = 0;
      return new Map([
        [
          prev,
          {
            into: (h: FrameHeader) => {
              const [from, to] = range(s);
              this.#expect(prev, h, Phase.broadcast, 0, s, (to - from) * 4);
              return bytesOf(values, from, to);
            },
            done: (h: FrameHeader) => {
              const [from, to] = range(s);
              if (next !== root) this.#send(next, h, bytesOf(values, from, to));
              if (++s === segments) {
                heard(prev);
                finish();
              }
            },
          },
        ],
      ]);
    });
  }
}
