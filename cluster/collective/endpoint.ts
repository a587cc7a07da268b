/**
 * Forming a collective group, in two steps as torch.distributed's rendezvous: every rank opens an endpoint
 * (a token-checked listener on its node's interface) and reports its address; once all addresses are known,
 * every rank joins with the full list, which connects each pair of ranks both ways (see wire.ts).
 *
 * The ranks connect to each other directly, not through the node agent's data plane: a hop through the agent
 * would add a copy and a context switch to every segment (gloo and NCCL also connect ranks directly). What
 * the data plane guarantees carries over: the cluster token on every connection, nothing bound beyond the
 * node's own interface (loopback unless the worker was started on another), silence towards a caller without
 * the token.
 *
 * @example
 * ```ts
 * // in each rank (an actor with isolation: 'process'):
 * const endpoint = await openCollectiveEndpoint();      // token and interface from the worker's environment
 * return endpoint.address;                               // → the driver, which gathers all of them
 * // later, with every rank's address in rank order:
 * const group = await endpoint.join({ group: 'run-7', rank, addresses });
 * const sum = await group.allreduce(gradients);
 * ```
 */
import net from 'node:net';
import { z } from 'zod';
import { tokenMatches } from '../common/auth.ts';
import { advertiseHost } from '../common/net.ts';
import { CollectiveError, ConvoyError, UsageError } from '../common/errors.ts';
import { formatZodIssues } from '../common/zod-issues.ts';
import { CollectiveGroup, type PeerLinks } from './collective-group.ts';
import { FrameReader } from './frame-reader.ts';
import { ANSWER_BYTES, encodeAnswer, encodeHello, HELLO_HEADER_BYTES, HELLO_MAGIC, helloSchema, MAX_HELLO_JSON_BYTES, type Hello } from './wire.ts';

export const collectiveOptionsSchema = z.strictObject({
  /** The cluster token. @default CONVOY_TOKEN (set for every task and actor by its worker) */
  token: z.string().min(1).optional(),
  /** Interface to listen on. @default the worker's (CONVOY_NODE_HOST), else 127.0.0.1 */
  host: z.string().min(1).optional(),
  /** Address peers dial. @default CONVOY_NODE_ADVERTISE_HOST, else the host (its first IPv4 when 0.0.0.0) */
  advertiseHost: z.string().min(1).optional(),
  /** An operation fails when the peer it waits for sends nothing for this long. @default 30000 */
  timeoutMs: z.number().int().positive().default(30_000),
  /** `join` fails when a peer has not connected within this long. @default 60000 */
  joinTimeoutMs: z.number().int().positive().default(60_000),
  /**
   * Ring payloads travel in segments of at most this many bytes. Small segments keep the pipeline full (a
   * segment is added and forwarded while the next arrives): on 2 loopback processes here 256 KiB moved
   * 10 MB at ~1.1 GB/s where 4 MiB moved it at ~0.4. @default 262144 (256 KiB)
   */
  segmentBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(256 * 1024),
  /** Vectors below this size go to every peer directly instead of round the ring. @default 262144 (256 KiB) */
  directBelowBytes: z.number().int().nonnegative().default(256 * 1024),
});
export type CollectiveOptions = z.input<typeof collectiveOptionsSchema>;
type Settings = z.output<typeof collectiveOptionsSchema> & { token: string };

export interface JoinOptions {
  /** The group's name; every rank passes the same one. A re-formed group should take a new name. */
  group: string;
  /** This rank, 0 ≤ rank < addresses.length. */
  rank: number;
  /** Every rank's endpoint address, in rank order (this rank's own included). */
  addresses: readonly string[];
}

const ACCEPTED = 0;
const REFUSED = 1;

/** A hello waits this long for its bytes; a connection that sends nothing is dropped. */
const HELLO_TIMEOUT_MS = 10_000;

interface Accepted {
  socket: net.Socket;
  hello: Hello;
}

export async function openCollectiveEndpoint(options: CollectiveOptions = {}): Promise<CollectiveEndpoint> {
  const parsed = collectiveOptionsSchema.safeParse(options);
  if (!parsed.success) throw new UsageError(`invalid collective options: ${formatZodIssues(parsed.error.issues, { root: '(options)' }).join('; ')}`);
  const token = parsed.data.token ?? process.env.CONVOY_TOKEN;
  if (!token) throw new UsageError('a collective endpoint needs the cluster token: run it in a Convoy task or actor (CONVOY_TOKEN), or pass { token }');
  const settings: Settings = { ...parsed.data, token };
  const host = settings.host ?? process.env.CONVOY_NODE_HOST ?? '127.0.0.1';
  const endpoint = new CollectiveEndpoint(settings);
  await endpoint.listen(host, settings.advertiseHost ?? process.env.CONVOY_NODE_ADVERTISE_HOST ?? advertiseHost(host));
  return endpoint;
}

export class CollectiveEndpoint {
  readonly #server: net.Server;
  readonly #settings: Settings;
  /** Peers that said hello, by group, then by their rank. */
  readonly #accepted = new Map<string, Map<number, Accepted>>();
  readonly #onAccepted = new Map<string, () => void>();
  #address = '';

  /** @internal use {@link openCollectiveEndpoint} */
  constructor(settings: Settings) {
    this.#settings = settings;
    this.#server = net.createServer({ noDelay: true }, (socket) => this.#greet(socket));
  }

  /** host:port that peers dial. */
  get address(): string {
    return this.#address;
  }

  /** @internal */
  async listen(host: string, advertised: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.#server.address() as net.AddressInfo;
    this.#address = `${advertised.includes(':') ? `[${advertised}]` : advertised}:${port}`;
  }

  /** Connects this rank to every other rank of `group`; resolves when all pairs are connected both ways. */
  async join(options: JoinOptions): Promise<CollectiveGroup> {
    const { group, rank, addresses } = options;
    const size = addresses.length;
    if (!group) throw new UsageError('join needs a group name');
    if (!Number.isInteger(rank) || rank < 0 || rank >= size) throw new UsageError(`rank ${rank} is outside the group's ${size} addresses`);
    if (addresses[rank] !== this.#address) throw new UsageError(`addresses[${rank}] is ${addresses[rank]}, but this rank's endpoint is ${this.#address}: pass the addresses in rank order`);
    const hello: Hello = { token: this.#settings.token, group, rank, size };
    const deadline = Date.now() + this.#settings.joinTimeoutMs;
    const peers = [...addresses.keys()].filter((p) => p !== rank);
    const dialed = new Map<number, { socket: net.Socket; reader: FrameReader }>();
    try {
      await Promise.all([
        ...peers.map(async (p) => dialed.set(p, await this.#dial(group, rank, p, addresses[p]!, hello, deadline))),
        this.#awaitAccepted(group, rank, size, peers, deadline),
      ]);
    } catch (err) {
      for (const d of dialed.values()) d.socket.destroy();
      for (const a of this.#accepted.get(group)?.values() ?? []) a.socket.destroy();
      this.#accepted.delete(group);
      throw err;
    }
    const accepted = this.#accepted.get(group) ?? new Map<number, Accepted>(); // none in a group of one
    this.#accepted.delete(group);
    const links = new Map<number, PeerLinks>();
    for (const p of peers) {
      const d = dialed.get(p)!;
      links.set(p, { reader: d.reader, inbound: d.socket, out: accepted.get(p)!.socket });
    }
    return new CollectiveGroup(group, rank, size, links, this.#settings);
  }

  /** Stops accepting; groups already joined keep their connections. */
  close(): void {
    this.#server.close();
    for (const byRank of this.#accepted.values()) for (const a of byRank.values()) a.socket.destroy();
    this.#accepted.clear();
  }

  #awaitAccepted(group: string, rank: number, size: number, peers: number[], deadline: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        const byRank = this.#accepted.get(group);
        for (const a of byRank?.values() ?? []) {
          if (a.hello.size !== size) {
            a.socket.end(encodeAnswer(REFUSED));
            byRank!.delete(a.hello.rank);
            return fail(`rank ${a.hello.rank} joined with ${a.hello.size} ranks, this rank with ${size}: every rank must pass the same addresses`);
          }
        }
        if (peers.every((p) => byRank?.has(p))) {
          clearTimeout(timer);
          this.#onAccepted.delete(group);
          for (const a of byRank?.values() ?? []) a.socket.write(encodeAnswer(ACCEPTED));
          resolve();
        }
      };
      const fail = (why: string) => {
        clearTimeout(timer);
        this.#onAccepted.delete(group);
        reject(new CollectiveError(group, rank, undefined, why));
      };
      const timer = setTimeout(() => {
        const missing = peers.filter((p) => !this.#accepted.get(group)?.has(p));
        fail(`rank ${missing.join(', rank ')} did not connect within ${this.#settings.joinTimeoutMs} ms (did every rank call join with the same group and addresses?)`);
      }, Math.max(0, deadline - Date.now()));
      this.#onAccepted.set(group, check);
      check();
    });
  }

  /** Reads a hello; a caller without the token (or not speaking this protocol) is dropped without a word. */
  #greet(socket: net.Socket): void {
    socket.on('error', () => {});
    const drop = () => socket.destroy();
    const timer = setTimeout(drop, HELLO_TIMEOUT_MS);
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.byteLength < HELLO_HEADER_BYTES) return;
      if (got.readUInt32BE(0) !== HELLO_MAGIC) return drop();
      const length = got.readUInt32BE(4);
      if (length > MAX_HELLO_JSON_BYTES) return drop();
      if (got.byteLength < HELLO_HEADER_BYTES + length) return;
      clearTimeout(timer);
      socket.off('data', onData);
      // Nothing else arrives on this connection (the peer only reads from it); keep reading so a close is seen.
      socket.on('data', () => {});
      let hello: Hello;
      try {
        hello = helloSchema.parse(JSON.parse(got.subarray(HELLO_HEADER_BYTES, HELLO_HEADER_BYTES + length).toString('utf8')));
      } catch {
        return drop();
      }
      if (!tokenMatches(hello.token, this.#settings.token)) return drop();
      if (hello.rank >= hello.size) {
        socket.end(encodeAnswer(REFUSED));
        return;
      }
      let byRank = this.#accepted.get(hello.group);
      if (!byRank) this.#accepted.set(hello.group, (byRank = new Map()));
      if (byRank.has(hello.rank)) {
        socket.end(encodeAnswer(REFUSED));
        return;
      }
      byRank.set(hello.rank, { socket, hello });
      socket.once('close', () => {
        if (byRank.get(hello.rank)?.socket === socket && this.#accepted.get(hello.group) === byRank) byRank.delete(hello.rank);
      });
      this.#onAccepted.get(hello.group)?.();
    };
    socket.on('data', onData);
  }

  /** Dials peer `p` (retrying while it is not listening yet); resolves once it accepted this rank. */
  async #dial(group: string, rank: number, p: number, address: string, hello: Hello, deadline: number): Promise<{ socket: net.Socket; reader: FrameReader }> {
    const { host, port } = parseAddress(address);
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      try {
        return await this.#dialOnce(group, rank, p, host, port, hello, deadline);
      } catch (err) {
        const retry = (err as NodeJS.ErrnoException).code === 'ECONNREFUSED' && Date.now() + delay < deadline;
        if (!retry) {
          if (err instanceof ConvoyError) throw err;
          throw new CollectiveError(group, rank, p, `could not connect to rank ${p} at ${address}: ${(err as Error).message}`, undefined);
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  #dialOnce(group: string, rank: number, p: number, host: string, port: number, hello: Hello, deadline: number) {
    return new Promise<{ socket: net.Socket; reader: FrameReader }>((resolve, reject) => {
      const reader = new FrameReader();
      const answer = new Uint8Array(ANSWER_BYTES);
      let answered = 0;
      let accepted = false;
      const socket = net.connect({
        host,
        port,
        noDelay: true,
        onread: {
          buffer: () => (accepted ? reader.nextBuffer() : answer.subarray(answered)),
          callback: (n: number) => {
            if (accepted) {
              reader.onRead(n);
              return true;
            }
            answered += n;
            if (answered < ANSWER_BYTES) return true;
            clearTimeout(timer);
            const view = Buffer.from(answer.buffer, answer.byteOffset, ANSWER_BYTES);
            if (view.readUInt32BE(0) !== HELLO_MAGIC || view[4] !== ACCEPTED) {
              socket.destroy();
              reject(new CollectiveError(group, rank, p, `rank ${p} at ${host}:${port} refused this rank (its group has another size, or rank ${rank} is taken)`));
              return false;
            }
            accepted = true;
            socket.removeListener('close', onEarlyClose);
            resolve({ socket, reader });
            return true;
          },
        },
      });
      const onEarlyClose = () => {
        clearTimeout(timer);
        reject(
          new CollectiveError(group, rank, p, `rank ${p} at ${host}:${port} closed the connection without accepting this rank (a wrong cluster token, or not a collective endpoint)`),
        );
      };
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new CollectiveError(group, rank, p, `rank ${p} at ${host}:${port} did not accept this rank within the join timeout`));
      }, Math.max(1, deadline - Date.now()));
      socket.once('error', (err) => {
        clearTimeout(timer);
        socket.removeListener('close', onEarlyClose);
        reject(err);
      });
      socket.once('close', onEarlyClose);
      socket.once('connect', () => socket.write(encodeHello(hello)));
    });
  }
}

function parseAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!m) throw new UsageError(`${JSON.stringify(address)} is not a host:port address`);
  return { host: m[1]!, port: Number(m[2]) };
}
