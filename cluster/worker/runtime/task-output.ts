/**
 * Tags what task code prints (console.*, process.stdout/stderr.write) with the task that printed it, as Ray
 * tags worker output with its task, so `convoy logs task ID` finds it. Installed once in every thread or
 * process that runs task code (pool threads, GPU trainer processes, actor threads and processes); the node
 * names the file in CONVOY_TASK_LOG (worker/log-files.ts).
 *
 * Each line becomes one JSON record appended to that file, in pino's shape (`time`, `level` 30 for stdout and
 * 50 for stderr, `msg`) so pino-pretty reads it, with `taskId` (the call's id for an actor method), `actorId`
 * in an actor, `nodeId`, `pid` and `stream`. (No job id: the worker does not learn its tasks' job; a task
 * id's prefix is its owner's client id, which the head maps to a job.) The task is the one of the async
 * context that wrote (common/runtime-context.ts): tasks that interleave on a thread stay apart, and a timer
 * a task set keeps its id. Output with no task (a module's top level, an actor's constructor has its actor
 * id) is written as before and, in an actor, tagged with the actor id.
 *
 * The output still goes where it went before (the worker's stdout and stderr: the terminal of an embedded
 * cluster, the .out file of `convoy start`). Appends are one write(2) each on an O_APPEND descriptor, so
 * lines of threads and processes sharing the file do not interleave mid-line. A write is split into lines
 * at newlines; a write without one is a line of its own. Cost: nothing for a task that prints nothing; a
 * printed line costs a JSON.stringify and a synchronous append (a few microseconds).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { currentTaskId } from '../../common/runtime-context.ts';

/** Environment variable naming the file that tagged task output is appended to. */
export const TASK_LOG_ENV = 'CONVOY_TASK_LOG';

type Write = typeof process.stdout.write;

let installed = false;

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
      const taskId = currentTaskId();
      const actorId = process.env.CONVOY_ACTOR_ID || undefined;
      if (taskId || actorId) {
        const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
        const lines = text.split('\n');
        if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
        const time = Date.now();
        let out = '';
        for (const msg of lines) {
          out += `${JSON.stringify({ time, level, nodeId, pid: process.pid, taskId, actorId, stream: name, msg })}\n`;
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
