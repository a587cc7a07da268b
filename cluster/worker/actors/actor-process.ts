// An actor in its own process (isolation: 'process'; GPU trainers use it so each owns one device).
import { startActorRuntime } from './actor-runtime.ts';
import type { ToActor } from './messages.ts';

if (!process.send) throw new Error('actor-process.ts must be started with an IPC channel');
const deliver = startActorRuntime((msg) => process.send!(msg));
process.on('message', (msg) => deliver(msg as ToActor));
// The node that started us is gone: nobody can call us any more.
process.on('disconnect', () => process.exit(0));
