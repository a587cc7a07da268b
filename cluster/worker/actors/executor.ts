/**
 * Where an actor runs: its own worker thread (default, cheap) or its own child process (isolation from the
 * node, its own device for GPU work). Both speak the messages in ./messages.ts; the node sees one interface.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { ownExecArgv, ownModule, threadEntry } from '../../common/spawn.ts';
import type { FromActor, ToActor } from './messages.ts';

export type Isolation = 'thread' | 'process';

export interface ActorExecutor {
  send(msg: ToActor): void;
  /** Stops the actor; resolves when its thread or process is gone. */
  kill(): Promise<void>;
}

export interface ExecutorEvents {
  onMessage(msg: FromActor): void;
  /** Called once when the thread or process ends for any reason other than kill(). */
  onExit(reason: string): void;
}

export function startExecutor(isolation: Isolation, env: Record<string, string>, events: ExecutorEvents): ActorExecutor {
  return isolation === 'process' ? processExecutor(env, events) : threadExecutor(env).attach(events);
}

/** A booted actor thread (runtime loaded, no actor yet) whose events go to whoever attaches. */
interface ThreadSlot {
  attach(events: ExecutorEvents): ActorExecutor;
}

function threadExecutor(env: Record<string, string>, onThreadExit?: (threadId: number) => void): ThreadSlot {
  const worker = new Worker(threadEntry('./actor-thread.ts', './actor-thread-boot.mjs', import.meta.url), { env: { ...process.env, ...env } });
  worker.unref();
  const threadId = worker.threadId; // -1 once the thread is gone
  if (onThreadExit) worker.once('exit', () => onThreadExit(threadId));
  let killed = false;
  let events: ExecutorEvents | undefined;
  let pendingExit: string | undefined;
  const exit = (reason: string) => {
    if (killed) return;
    killed = true;
    if (events) events.onExit(reason);
    else pendingExit = reason;
  };
  worker.on('message', (m: FromActor) => events?.onMessage(m));
  worker.on('error', (err) => exit(`actor thread crashed: ${err.message}`));
  worker.on('exit', (code) => exit(`actor thread exited with code ${code}`));
  return {
    attach(e) {
      events = e;
      worker.ref();
      if (pendingExit) queueMicrotask(() => e.onExit(pendingExit!));
      return {
        send: (msg) => worker.postMessage(msg),
        kill: async () => {
          killed = true;
          await worker.terminate();
        },
      };
    },
  };
}

/**
 * Actor threads started ahead of need, like Ray's prestarted workers: booting a thread (and the TypeScript
 * loader in it) takes about a second, so a node keeps one ready and an actor's creation costs only the import
 * of its own module. Per-actor settings (its id, GPU ids) arrive with the init message.
 */
export class ActorExecutors {
  #spare: ThreadSlot | undefined;

  constructor(
    private readonly env: Record<string, string>,
    /** Threads kept booted and waiting. @default 1 */
    private readonly spares = 1,
    /** Told when an actor thread ends (the node drops its channel to it). */
    private readonly onThreadExit?: (threadId: number) => void,
  ) {
    this.#refill();
  }

  start(isolation: Isolation, actorEnv: Record<string, string>, events: ExecutorEvents): ActorExecutor {
    if (isolation === 'process') return processExecutor({ ...this.env, ...actorEnv }, events);
    const slot = this.#spare ?? threadExecutor(this.env, this.onThreadExit);
    this.#spare = undefined;
    this.#refill();
    return slot.attach(events);
  }

  #refill(): void {
    if (this.spares > 0 && !this.#spare) this.#spare = threadExecutor(this.env, this.onThreadExit);
  }

  async close(): Promise<void> {
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare) await spare.attach({ onMessage: () => undefined, onExit: () => undefined }).kill();
  }
}

function processExecutor(env: Record<string, string>, events: ExecutorEvents): ActorExecutor {
  const child: ChildProcess = fork(fileURLToPath(ownModule('./actor-process.ts', import.meta.url)), [], {
    execArgv: ownExecArgv(),
    env: { ...process.env, ...env },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let killed = false;
  child.on('message', (m) => events.onMessage(m as FromActor));
  child.on('exit', (code, signal) => {
    if (!killed) events.onExit(`actor process exited (${signal ?? `code ${code}`})`);
    killed = true;
  });
  return {
    send: (msg) => child.send(msg),
    kill: () =>
      new Promise<void>((resolve) => {
        killed = true;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
