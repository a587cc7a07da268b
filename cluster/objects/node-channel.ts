/**
 * The in-process path between a worker node's main thread (which owns the object store) and its pool and
 * actor threads. A task that puts or gets an object held on its own node hands SharedArrayBuffers across
 * threads instead of going through gRPC: no copy, no socket.
 *
 * Each thread talks to its node over a BroadcastChannel of its own (`NODE_CHANNEL/<node>/<thread>`), opened
 * with a hello on the shared NODE_CHANNEL: a reply that carries shared memory must reach only the thread that
 * asked, or every thread would hold a view of it and the store could never tell when the memory is unused
 * (see memory-loans.ts). A thread that tracks loans gets objects and new buffers lent from the store's
 * pool, and gives the loans back once it has dropped them. node-channel-server.ts is the node's side.
 *
 * `allocate` is synchronous (`put` must copy the value before it returns, as Ray's does): the thread posts the
 * request, parks in Atomics.wait until the node answers, and takes the reply with receiveMessageOnPort.
 */
import { BroadcastChannel, isMainThread, receiveMessageOnPort, threadId, type MessagePort } from 'node:worker_threads';
import { holdLoan, internally, returnLoansTo, tracksLoans } from './memory-loans.ts';
import { encodeValue } from './serialization.ts';

export const NODE_CHANNEL = 'convoy-node-store';

/** Buffers smaller than this are cheap to fault in: made in the thread, not lent (the store's pool minimum). */
export const LEND_MIN_BYTES = 1024 * 1024;
/** How long `allocate` waits for the node before making a fresh buffer itself. */
const ALLOCATE_WAIT_MS = 2000;
/** How often a thread repeats its hello until the node answers (the node may still be starting). */
const HELLO_RETRY_MS = 100;

export const threadChannelName = (nodeId: string, thread: number) => `${NODE_CHANNEL}/${nodeId}/${thread}`;

export type Hello = { op: 'hello'; nodeId: string; threadId: number };

/** What a thread asks that the node answers asynchronously (`alloc` is answered while the thread waits). */
type Ask =
  | { op: 'put'; objectId: string; owner: string; bytes: Uint8Array }
  | { op: 'put'; objectId: string; owner: string; loan: number; length: number }
  | { op: 'get'; objectId: string; loan: boolean };

export type NodeChannelRequest = { reqId: string } & (Ask | { op: 'alloc'; size: number; wake: Int32Array });

export type NodeChannelMessage = NodeChannelRequest | { op: 'return'; loans: number[] };

export type ObjectLocationReply = { objectId: string; nodeId: string; transferAddress: string; size: number };

export type NodeChannelReply =
  | { op: 'ready' }
  | { reqId: string; ok: true; bytes?: Uint8Array; loan?: number; location?: ObjectLocationReply }
  | { reqId: string; ok: false; error: string };

/** Memory for an object about to be stored: lent by the store (`loan`) or made here. */
export interface Allocation {
  bytes: Uint8Array;
  loan?: number;
}

export interface NodeChannel {
  readonly nodeId: string;
  /** Hands an encoded object to the node's store; `loan` when `bytes` came from `allocate`. */
  put(objectId: string, owner: string, bytes: Uint8Array, loan?: number): Promise<ObjectLocationReply>;
  /** The object's bytes if this node holds it (spilled ones are brought back), else undefined. */
  get(objectId: string): Promise<Uint8Array | undefined>;
  /** `size` bytes of shared memory to encode an object into, reused store memory where it can be had. */
  allocate(size: number): Allocation;
}

let channel: NodeChannel | undefined;

/**
 * Encodes a value for this thread's node: at `sharedAbove` bytes or more, into memory the node's store lends
 * through `via` (the loan says which), else as encodeValue would. Outside a node thread, plain encodeValue.
 */
export function encodeForNode(value: unknown, sharedAbove: number, via: NodeChannel | undefined = nodeChannel()): Allocation {
  if (!via) return { bytes: encodeValue(value, sharedAbove) };
  let loan: number | undefined;
  const bytes = encodeValue(value, sharedAbove, (size) => {
    const a = via.allocate(size);
    loan = a.loan;
    return a.bytes;
  });
  return { bytes, loan };
}

/** The channel to this thread's node, when running in a task or actor thread of a worker; else undefined. */
export function nodeChannel(): NodeChannel | undefined {
  const nodeId = process.env.CONVOY_NODE_ID;
  if (isMainThread || !nodeId) return undefined;
  channel ??= openChannel(nodeId);
  return channel;
}

function openChannel(nodeId: string): NodeChannel {
  // Created inside `internally`: Convoy's own channels do not trip the loan guards.
  const [hello, own] = internally(() => [new BroadcastChannel(NODE_CHANNEL), new BroadcastChannel(threadChannelName(nodeId, threadId))]);
  // The channels must not keep a finished thread alive.
  for (const c of [hello, own]) (c as unknown as { unref?: () => void }).unref?.();
  const waiting = new Map<string, (r: NodeChannelReply) => void>();
  let seq = 0;
  let ready = false;
  let onReady: (() => void)[] = [];
  const greet = () => hello.postMessage({ op: 'hello', nodeId, threadId } satisfies Hello);
  const retry = setInterval(greet, HELLO_RETRY_MS).unref();
  greet();

  const dispatch = (r: NodeChannelReply) => {
    if (!r || typeof r !== 'object') return;
    if ('op' in r) {
      if (r.op !== 'ready' || ready) return;
      ready = true;
      clearInterval(retry);
      for (const f of onReady) f();
      onReady = [];
      return;
    }
    const done = waiting.get(r.reqId);
    if (done) {
      waiting.delete(r.reqId);
      done(r);
    }
  };
  own.onmessage = (ev) => dispatch((ev as MessageEvent).data as NodeChannelReply);
  const whenReady = (): Promise<void> => (ready ? Promise.resolve() : new Promise((r) => onReady.push(r)));
  const send = (m: NodeChannelMessage) => own.postMessage(m);
  returnLoansTo((loans) => void whenReady().then(() => send({ op: 'return', loans })));

  const ask = async (req: Ask) => {
    await whenReady();
    return new Promise<NodeChannelReply>((resolve) => {
      const reqId = `${threadId}:${++seq}`;
      waiting.set(reqId, resolve);
      send({ ...req, reqId } as NodeChannelRequest);
    });
  };
  const wake = new Int32Array(new SharedArrayBuffer(4));
  const fresh = (size: number): Allocation => ({ bytes: new Uint8Array(new SharedArrayBuffer(size)) });

  return {
    nodeId,
    put: async (objectId, owner, bytes, loan) => {
      const r = await ask(loan === undefined ? { op: 'put', objectId, owner, bytes } : { op: 'put', objectId, owner, loan, length: bytes.byteLength });
      if (!('ok' in r) || !r.ok) throw new Error(`node ${nodeId} refused object ${objectId}: ${'error' in r ? r.error : 'no answer'}`);
      return r.location!;
    },
    get: async (objectId) => {
      const r = await ask({ op: 'get', objectId, loan: tracksLoans() });
      if (!('ok' in r) || !r.ok) throw new Error(`node ${nodeId} could not read object ${objectId}: ${'error' in r ? r.error : 'no answer'}`);
      if (r.bytes && r.loan !== undefined) holdLoan(r.bytes, r.loan);
      return r.bytes;
    },
    allocate: (size) => {
      if (size < LEND_MIN_BYTES || !ready || !tracksLoans()) return fresh(size);
      const reqId = `${threadId}:${++seq}`;
      Atomics.store(wake, 0, 0);
      send({ op: 'alloc', reqId, size, wake });
      if (Atomics.wait(wake, 0, 0, ALLOCATE_WAIT_MS) === 'timed-out') return fresh(size); // a late answer is ignored
      // The node posts its answer before waking us; other replies that arrived first go where they belong.
      for (let spins = 0; spins < 100_000; spins++) {
        const m = receiveMessageOnPort(own as unknown as MessagePort)?.message as NodeChannelReply | undefined;
        if (!m) continue;
        if ('reqId' in m && m.reqId === reqId) {
          if (!m.ok || !m.bytes || m.loan === undefined) return fresh(size);
          holdLoan(m.bytes, m.loan);
          return { bytes: m.bytes, loan: m.loan };
        }
        dispatch(m);
      }
      return fresh(size);
    },
  };
}
