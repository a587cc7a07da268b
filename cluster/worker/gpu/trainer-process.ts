/**
 * A per-GPU trainer process: runs the batches of tasks leased with `gpu` on the one device it was started for
 * (CUDA_VISIBLE_DEVICES and CONVOY_GPU_ID are set by the node). Same batch runner as the pool threads, in a
 * process of its own so each GPU gets its own driver context and a crash takes down one device's work only.
 */
import runBatch from '../pool/thread.ts';
import type { FromTrainer, ToTrainer } from './messages.ts';

if (!process.send) throw new Error('trainer-process.ts must be started with an IPC channel');
const send = (m: FromTrainer) => process.send!(m);
process.on('message', (m: ToTrainer) => {
  if (m.type !== 'batch') return;
  void runBatch(m.req).then((reply) => send({ type: 'reply', id: m.id, reply }));
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
