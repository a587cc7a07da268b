/**
 * What a node sees of one client's task stream: its client, its load for heartbeats, and a way to end it.
 * Apart from task-stream.ts so that NodeServices (which a stream and its actors call) can name a stream
 * without importing the stream, which imports the actors: type-only cycles count too.
 */
export interface ClientStream {
  readonly clientId: string;
  /** Tasks waiting for a slot and tasks running, for heartbeats and status. */
  load(): { queued: number; running: number };
  /** The client is gone or the node stops: drop queued work, stop the client's actors. */
  close(reason: string): void;
}
