/**
 * Where an actor runs: its own worker thread (default, cheap) or its own child process (isolation from the
 * node, its own device for GPU work). Both speak the messages in ./messages.ts; the node sees one interface.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { tsxLoaderUrl } from '../../common/spawn.ts';
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
  return isolation === 'process' ? processExecutor(env, events) : threadExecutor(env, events);
}

function threadExecutor(env: Record<string, string>, events: ExecutorEvents): ActorExecutor {
  const worker = new Worker(new URL('./actor-thread-boot.mjs', import.meta.url), { env: { ...process.env, ...env } });
  let killed = false;
  worker.on('message', (m: FromActor) => events.onMessage(m));
  worker.on('error', (err) => {
    if (!killed) events.onExit(`actor thread crashed: ${err.message}`);
    killed = true;
  });
  worker.on('exit', (code) => {
    if (!killed) events.onExit(`actor thread exited with code ${code}`);
    killed = true;
  });
  return {
    send: (msg) => worker.postMessage(msg),
    kill: async () => {
      killed = true;
      await worker.terminate();
    },
  };
}

function processExecutor(env: Record<string, string>, events: ExecutorEvents): ActorExecutor {
  const child: ChildProcess = fork(fileURLToPath(new URL('./actor-process.ts', import.meta.url)), [], {
    execArgv: ['--import', tsxLoaderUrl()],
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
