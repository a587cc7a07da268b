/**
 * What a node sees of one client's task stream: its client, its load for heartbeats, its work for a drain,
 * its running tasks for the memory monitor, and ways to stop one task or the whole stream.
 * Apart from task-stream.ts so that NodeServices (which a stream and its actors call) can name a stream
 * without importing the stream, which imports the actors: type-only cycles count too.
 */
import type { MemoryPressureError } from '../common/errors.ts';
import type { RunningTask } from '../../scheduler/memory-pressure.ts';

export interface ClientStream {
  readonly clientId: string;
  /** Tasks waiting for a slot and tasks running, for heartbeats and status. */
  load(): { queued: number; running: number };
  /** The ids of every task queued or running here and every actor call not answered yet (a drain waits for these). */
  workIds(): string[];
  /** Its running tasks, for the memory monitor. */
  runningTasks(): RunningTask[];
  /** Stops a running task for memory (a system failure its owner retries); resolves once its thread is done. */
  killForMemory(taskId: string, error: MemoryPressureError): Promise<void> | undefined;
  /** The client is gone or the node stops: drop queued work, stop the client's actors. */
  close(reason: string): void;
}
