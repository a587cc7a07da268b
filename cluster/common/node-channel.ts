/**
 * The in-process path between a worker node's main thread (which owns the object store) and its pool and
 * actor threads. A task that puts or gets an object held on its own node hands SharedArrayBuffers across
 * threads instead of going through gRPC: no copy, no socket. BroadcastChannel reaches every thread of the
 * process without wiring ports into piscina; replies carry the request id, and each thread keeps only its own.
 */
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

export const NODE_CHANNEL = 'convoy-node-store';

type PutRequest = { op: 'put'; objectId: string; owner: string; bytes: Uint8Array };
type GetRequest = { op: 'get'; objectId: string };
export type NodeChannelRequest = (PutRequest | GetRequest) & { reqId: string };

export type NodeChannelReply =
  | { reqId: string; ok: true; bytes?: Uint8Array; location?: { objectId: string; nodeId: string; transferAddress: string; size: number } }
  | { reqId: string; ok: false; error: string };

export interface NodeChannel {
  readonly nodeId: string;
  put(objectId: string, owner: string, bytes: Uint8Array): Promise<{ objectId: string; nodeId: string; transferAddress: string; size: number }>;
  /** The object's bytes if this node holds it (spilled ones are brought back), else undefined. */
  get(objectId: string): Promise<Uint8Array | undefined>;
}

let channel: NodeChannel | undefined;

/** The channel to this thread's node, when running in a task or actor thread of a worker; else undefined. */
export function nodeChannel(): NodeChannel | undefined {
  const nodeId = process.env.CONVOY_NODE_ID;
  if (isMainThread || !nodeId) return undefined;
  if (channel) return channel;
  const bc = new BroadcastChannel(NODE_CHANNEL);
  // The channel must not keep a finished thread alive.
  (bc as unknown as { unref?: () => void }).unref?.();
  const waiting = new Map<string, (r: NodeChannelReply) => void>();
  let seq = 0;
  bc.onmessage = (ev) => {
    const r = (ev as MessageEvent).data as NodeChannelReply;
    if (!r || typeof r.reqId !== 'string' || !('ok' in r)) return;
    const done = waiting.get(r.reqId);
    if (done) {
      waiting.delete(r.reqId);
      done(r);
    }
  };
  const ask = (req: PutRequest | GetRequest) =>
    new Promise<NodeChannelReply>((resolve) => {
      const reqId = `${threadId}:${++seq}`;
      waiting.set(reqId, resolve);
      bc.postMessage({ ...req, reqId });
    });
  channel = {
    nodeId,
    put: async (objectId, owner, bytes) => {
      const r = await ask({ op: 'put', objectId, owner, bytes });
      if (!r.ok) throw new Error(`node ${nodeId} refused object ${objectId}: ${r.error}`);
      return r.location!;
    },
    get: async (objectId) => {
      const r = await ask({ op: 'get', objectId });
      if (!r.ok) throw new Error(`node ${nodeId} could not read object ${objectId}: ${r.error}`);
      return r.bytes;
    },
  };
  return channel;
}
