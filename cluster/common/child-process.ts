/** Waiting for a Convoy process to announce readiness over IPC, and stopping one politely then firmly. */
import type { ChildProcess } from 'node:child_process';
import { ProcessStartError } from './errors.ts';

export function waitReady(child: ChildProcess, what: string, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const fail = (why: string) => {
      done();
      reject(new ProcessStartError(what, why));
    };
    const onMessage = (m: unknown) => {
      const msg = m as { type?: string; message?: string };
      if (msg.type === 'ready') {
        done();
        resolve(msg as Record<string, unknown>);
      } else if (msg.type === 'failed') fail(`failed to start: ${msg.message}`);
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited during start (${signal ?? `code ${code}`})`);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
