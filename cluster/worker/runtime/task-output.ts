/**
 * Tags what task code prints (console.*, process.stdout/stderr.write) with the task that printed it, as Ray
 * tags worker output with its task, so `convoy logs task ID` finds it. Installed once in every thread or
 * process that runs task code (pool threads, GPU trainer processes, actor threads and processes); the node
 * names the file in CONVOY_TASK_LOG (worker/log-files.ts).
 *
 * Each line becomes one JSON record appended to that file, in pino's shape (`time`, `level` 30 for stdout and
 * 50 for stderr, `msg`) so pino-pretty reads it, with `taskId` (the call's id for an actor method), `actorId`
 * in an actor, `jobId` when the owner runs under a job (its driver's tasks and actors; a task's own nested
 * tasks have an owner of no job), `nodeId`, `pid` and `stream`. The task is the one of the async context that
 * wrote (common/runtime-context.ts): tasks that interleave on a thread stay apart, and a timer a task set
 * keeps its id. Output outside any task (a module's top level) is only written where it went before; in an
 * actor (its constructor, too) it is tagged with the actor.
 *
 * The output still goes where it went before (the worker's stdout and stderr: the terminal of an embedded
 * cluster, the .out file of `convoy start`). Appends are one write(2) each on an O_APPEND descriptor, so
 * lines of threads and processes sharing the file do not interleave mid-line. A write is split into lines
 * at newlines; a write without one is a line of its own. Cost: nothing for a task that prints nothing; a
 * printed line costs a JSON.stringify and a synchronous append (a few microseconds).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { currentTaskContext } from '../../common/runtime-context.ts';

/** Environment variable naming the file that tagged task output is appended to. */
export const TASK_LOG_ENV = 'CONVOY_TASK_LOG';

type Write = typeof process.stdout.write;

let installed = false;
/** In an actor's thread or process: the actor, and its creator's job. */
let actor: { actorId?: string; jobId?: string } = {};

/** Tags this thread's or process's output with its actor (set at the actor's init, before its constructor runs). */
export function tagActorOutput(actorId: string | undefined, jobId: string | undefined): void {
  actor = { actorId: actorId || undefined, jobId: jobId || undefined };
}

/** Tags this thread's or process's task output into `$CONVOY_TASK_LOG`; without it, does nothing. */
export function captureTaskOutput(file = process.env[TASK_LOG_ENV]): void {
  if (installed || !file) return;
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o600);
  } catch {
    return; // no log folder: task output is only where it always went
  }
  installed = true;
  const nodeId = process.env.CONVOY_NODE_ID;
  const tee = (stream: NodeJS.WriteStream, name: 'stdout' | 'stderr') => {
    const original = stream.write.bind(stream) as Write;
    const level = name === 'stdout' ? 30 : 50;
    stream.write = function write(chunk: unknown, ...rest: unknown[]): boolean {
      const task = currentTaskContext();
      const { actorId } = actor;
      if (task || actorId) {
        const taskId = task?.taskId;
        const jobId = task?.jobId ?? actor.jobId;
        const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
        const lines = text.split('\n');
        if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
        const time = Date.now();
        let out = '';
        for (const msg of lines) {
          out += `${JSON.stringify({ time, level, nodeId, pid: process.pid, taskId, actorId, jobId, stream: name, msg })}\n`;
        }
        try {
          writeSync(fd, out);
        } catch {
          // a full disk must not fail the task: the output still goes to the stream below
        }
      }
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    } as Write;
  };
  tee(process.stdout, 'stdout');
  tee(process.stderr, 'stderr');
  process.once('exit', () => closeSync(fd));
}
