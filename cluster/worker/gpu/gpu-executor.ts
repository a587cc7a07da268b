/**
 * The node's GPU executor: one long-lived trainer process per GPU index, started on first use and reused, so
 * a model, its backend and the device context stay warm between tasks. A task that must be stopped (timeout,
 * forced cancel) ends its process; the next task on that GPU starts a fresh one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WorkerDiedError } from '../../common/errors.ts';
import { ownExecArgv, ownModule } from '../../common/spawn.ts';
import type { BatchReply, ThreadTask } from '../pool/messages.ts';
import type { FromTrainer, ToTrainer } from './messages.ts';

interface Trainer {
  child: ChildProcess;
  ready: Promise<void>;
  waiting: Map<number, { resolve: (r: BatchReply) => void; reject: (e: Error) => void }>;
}

export class GpuExecutor {
  readonly #trainers = new Map<number, Trainer>();
  #seq = 0;

  constructor(
    private readonly env: Record<string, string>,
    /** GPU index → the device a child's CUDA_VISIBLE_DEVICES names (the node's own list can be a subset). */
    private readonly deviceOf: (gpu: number) => string = String,
  ) {}

  /** Pids of the running trainer processes by GPU index (for status and tests). */
  pids(): Record<number, number> {
    return Object.fromEntries([...this.#trainers].map(([gpu, t]) => [gpu, t.child.pid!]));
  }

  async runBatch(gpu: number, tasks: readonly ThreadTask[], signal?: AbortSignal): Promise<BatchReply> {
    const trainer = this.#trainer(gpu);
    await trainer.ready;
    const id = ++this.#seq;
    // Shared memory does not cross processes: arguments travel as copies.
    const plain = tasks.map((t) => ({ ...t, args: t.args.map((a) => (a.buffer instanceof SharedArrayBuffer ? new Uint8Array(a) : a)) }));
    return new Promise<BatchReply>((resolve, reject) => {
      trainer.waiting.set(id, { resolve, reject });
      const abort = () => {
        const e = new Error('the batch was stopped');
        e.name = 'AbortError';
        trainer.waiting.get(id)?.reject(e);
        trainer.waiting.delete(id);
        trainer.child.kill('SIGKILL');
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      const msg: ToTrainer = { type: 'batch', id, req: { type: 'batch', tasks: plain, sharedResultBytes: Number.POSITIVE_INFINITY } };
      trainer.child.send(msg);
    });
  }

  #trainer(gpu: number): Trainer {
    const existing = this.#trainers.get(gpu);
    if (existing && existing.child.exitCode === null && existing.child.signalCode === null) return existing;
    const child = fork(fileURLToPath(ownModule('./trainer-process.ts', import.meta.url)), [], {
      execArgv: ownExecArgv(),
      env: { ...process.env, ...this.env, CUDA_VISIBLE_DEVICES: this.deviceOf(gpu), CONVOY_GPU_ID: String(gpu) },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let ready!: () => void;
    const t: Trainer = { child, ready: new Promise<void>((r) => (ready = r)), waiting: new Map() };
    child.on('message', (m: FromTrainer) => {
      if (m.type === 'ready') return ready();
      const w = t.waiting.get(m.id);
      t.waiting.delete(m.id);
      w?.resolve(m.reply);
    });
    child.on('exit', (code, sig) => {
      ready();
      for (const w of t.waiting.values()) w.reject(new WorkerDiedError('local', `trainer process for GPU ${gpu} exited (${sig ?? `code ${code}`})`));
      t.waiting.clear();
      if (this.#trainers.get(gpu) === t) this.#trainers.delete(gpu);
    });
    this.#trainers.set(gpu, t);
    return t;
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.#trainers.values()].map(
        (t) =>
          new Promise<void>((resolve) => {
            if (t.child.exitCode !== null || t.child.signalCode !== null) return resolve();
            t.child.once('exit', () => resolve());
            t.child.kill('SIGTERM');
          }),
      ),
    );
    this.#trainers.clear();
  }
}
