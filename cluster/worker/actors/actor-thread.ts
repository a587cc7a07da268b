import { parentPort } from 'node:worker_threads';
import { startActorRuntime } from './actor-runtime.ts';
import type { ToActor } from './messages.ts';

const port = parentPort!;
const deliver = startActorRuntime((msg) => port.postMessage(msg), 100 * 1024);
port.on('message', (msg: ToActor) => deliver(msg));
