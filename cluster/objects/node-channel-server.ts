/**
 * The node's side of the in-process object path (node-channel.ts is the threads' side): answers each thread's
 * puts, gets and allocations from the object store, and takes back the loans threads return.
 */
import { BroadcastChannel } from 'node:worker_threads';
import {
  NODE_CHANNEL,
  threadChannelName,
  type Hello,
  type NodeChannelMessage,
  type NodeChannelReply,
  type NodeChannelRequest,
} from './node-channel.ts';
import type { ObjectStore } from './object-store.ts';

type Location = { objectId: string; nodeId: string; transferAddress: string; dataAddress: string; size: number };

const unref = (c: BroadcastChannel) => (c as unknown as { unref?: () => void }).unref?.();

export interface NodeChannelServer {
  /** Drops the channel of a thread that ended (actor threads come and go; pool threads stay). */
  forgetThread(threadId: number): void;
  close(): void;
}

export function serveNodeChannel(store: ObjectStore, nodeId: string, location: (objectId: string, size: number) => Location): NodeChannelServer {
  const hello = new BroadcastChannel(NODE_CHANNEL);
  unref(hello);
  /** One channel per thread that said hello, until the thread ends. */
  const threads = new Map<number, BroadcastChannel>();
  hello.onmessage = (ev) => {
    const m = (ev as MessageEvent).data as Hello;
    if (m?.op !== 'hello' || m.nodeId !== nodeId || typeof m.threadId !== 'number') return;
    let ch = threads.get(m.threadId);
    if (!ch) {
      ch = new BroadcastChannel(threadChannelName(nodeId, m.threadId));
      unref(ch);
      const own = ch;
      own.onmessage = (e) => handle((e as MessageEvent).data as NodeChannelMessage, (r) => own.postMessage(r));
      threads.set(m.threadId, ch);
    }
    ch.postMessage({ op: 'ready' } satisfies NodeChannelReply);
  };

  const handle = (req: NodeChannelMessage, reply: (r: NodeChannelReply) => void) => {
    if (!req || typeof req !== 'object') return;
    if (req.op === 'return') {
      if (Array.isArray(req.loans)) store.returnLoans(req.loans);
      return;
    }
    if (typeof (req as NodeChannelRequest).reqId !== 'string') return;
    const fail = (err: Error) => reply({ reqId: req.reqId, ok: false, error: err.message });
    try {
      if (req.op === 'put') {
        const size = store.adopt(req.objectId, req.owner, req);
        reply({ reqId: req.reqId, ok: true, location: location(req.objectId, size) });
      } else if (req.op === 'get') {
        const lent = req.loan ? store.lend(req.objectId) : store.load(req.objectId).then((bytes) => bytes && { bytes, loan: undefined });
        lent.then((l) => reply({ reqId: req.reqId, ok: true, bytes: l?.bytes, loan: l?.loan }), fail);
      } else if (req.op === 'alloc') {
        let answer: NodeChannelReply;
        try {
          const { bytes, loan } = store.lendBuffer(req.size);
          answer = { reqId: req.reqId, ok: true, bytes, loan };
        } catch (err) {
          answer = { reqId: req.reqId, ok: false, error: (err as Error).message };
        }
        // The thread is parked until woken, and looks for the answer once it is: post first, then wake.
        reply(answer);
        Atomics.store(req.wake, 0, 1);
        Atomics.notify(req.wake, 0);
      }
    } catch (err) {
      fail(err as Error);
    }
  };

  return {
    forgetThread(threadId) {
      threads.get(threadId)?.close();
      threads.delete(threadId);
    },
    close() {
      hello.close();
      for (const ch of threads.values()) ch.close();
      threads.clear();
    },
  };
}
