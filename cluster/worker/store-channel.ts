/** The node's side of the in-process object path (see common/node-channel.ts). */
import { BroadcastChannel } from 'node:worker_threads';
import { NODE_CHANNEL, type NodeChannelReply, type NodeChannelRequest } from '../common/node-channel.ts';
import { toShared } from '../common/serialization.ts';
import type { ObjectStore } from './object-store.ts';

type Location = { objectId: string; nodeId: string; transferAddress: string; dataAddress: string; size: number };

export function serveNodeChannel(store: ObjectStore, location: (objectId: string, size: number) => Location): () => void {
  const bc = new BroadcastChannel(NODE_CHANNEL);
  (bc as unknown as { unref?: () => void }).unref?.();
  const reply = (r: NodeChannelReply) => bc.postMessage(r);
  bc.onmessage = (ev) => {
    const req = (ev as MessageEvent).data as NodeChannelRequest;
    if (!req || typeof req.reqId !== 'string' || !('op' in req)) return;
    if (req.op === 'put') {
      try {
        const bytes = toShared(req.bytes);
        store.put(req.objectId, bytes, req.owner);
        reply({ reqId: req.reqId, ok: true, location: location(req.objectId, bytes.byteLength) });
      } catch (err) {
        reply({ reqId: req.reqId, ok: false, error: (err as Error).message });
      }
    } else if (req.op === 'get') {
      store.load(req.objectId).then(
        (bytes) => reply({ reqId: req.reqId, ok: true, bytes }),
        (err: Error) => reply({ reqId: req.reqId, ok: false, error: err.message }),
      );
    }
  };
  return () => bc.close();
}
