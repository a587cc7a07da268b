/**
 * The log files a worker node serves to the head (`convoy logs node`, `convoy logs task`): its own log and
 * its tasks' tagged output (runtime/task-output.ts). A request names a file by one of these two names and
 * never by path, and a task or actor filter is an id checked against ID_PATTERN, so nothing a caller sends
 * reaches the file system.
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { grpc } from '../transport/grpc.ts';
import { LineFollower, tailLines } from '../common/log-lines.ts';
import { DEFAULT_LOG_TAIL, isLogId, LOG_TAIL_MAX, taskLineFilter, type NodeLogName } from '../common/log-query.ts';
import type { ReadLogRequest__Output } from '../proto/generated/convoy/v1/ReadLogRequest.ts';
import type { LogLines } from '../proto/generated/convoy/v1/LogLines.ts';
import type { ListLogsReply } from '../proto/generated/convoy/v1/ListLogsReply.ts';

export interface NodeLogPaths {
  /** The node's own log (worker-<pid>.log). */
  node?: string;
  /** Its tasks' output, one JSON record per line. */
  tasks?: string;
}

/** Lines per message on the stream: small enough to start printing early, large enough to batch. */
const LINES_PER_MESSAGE = 500;

export class NodeLogFiles {
  constructor(
    private readonly nodeId: string,
    private readonly paths: NodeLogPaths,
  ) {
    // Task threads open the tasks file at their start, before the node's own logger has made the folder.
    if (paths.tasks) mkdirSync(path.dirname(paths.tasks), { recursive: true, mode: 0o700 });
  }

  list(): ListLogsReply {
    const files = (['node', 'tasks'] as const).flatMap((name) => {
      const file = this.paths[name];
      if (!file) return [];
      let bytes = 0;
      try {
        bytes = statSync(file).size;
      } catch {
        // not written yet (no task has printed)
      }
      return [{ name, bytes }];
    });
    return { nodeId: this.nodeId, files };
  }

  /** ReadLog: the tail, then (with `follow`) new lines until the caller cancels. */
  serve(call: grpc.ServerWritableStream<ReadLogRequest__Output, LogLines>): void {
    const r = call.request;
    const refuse = (details: string) => void call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details });
    if (r.name !== 'node' && r.name !== 'tasks') return refuse(`no log named ${JSON.stringify(r.name)}: ask for "node" or "tasks"`);
    const name: NodeLogName = r.name;
    if ((r.taskId || r.actorId) && name !== 'tasks') return refuse('a task or actor filter applies to the "tasks" log only');
    for (const id of [r.taskId, r.actorId]) if (id && !isLogId(id)) return refuse(`${JSON.stringify(id.slice(0, 80))} is not a task or actor id`);
    if (r.tail > LOG_TAIL_MAX) return refuse(`tail ${r.tail} is over the limit of ${LOG_TAIL_MAX} lines`);
    const file = this.paths[name];
    if (!file) {
      call.end();
      return;
    }
    const keep = name === 'tasks' ? taskLineFilter({ taskId: r.taskId || undefined, actorId: r.actorId || undefined }) : undefined;
    let follower: LineFollower | undefined;
    call.on('cancelled', () => follower?.close());
    call.on('close', () => follower?.close());
    void tailLines(file, r.tail || DEFAULT_LOG_TAIL, keep).then(
      (tail) => {
        if (call.cancelled) return;
        for (let i = 0; i < tail.lines.length; i += LINES_PER_MESSAGE) call.write({ lines: tail.lines.slice(i, i + LINES_PER_MESSAGE), truncated: tail.truncated });
        if (tail.lines.length === 0 && tail.truncated) call.write({ lines: [], truncated: true });
        if (!r.follow) {
          call.end();
          return;
        }
        call.write({ lines: [], caughtUp: true });
        follower = new LineFollower(file, tail.end, (lines) => call.write({ lines }), keep).start();
      },
      (err: Error) => call.emit('error', { code: grpc.status.INTERNAL, details: `cannot read the ${name} log: ${err.message}` }),
    );
  }
}
