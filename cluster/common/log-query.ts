/**
 * What a log request may ask for, checked the same way by the CLI (a usage error before anything is sent),
 * the head (400) and each worker (INVALID_ARGUMENT): which file, how many lines, which task or actor.
 */

/** The files a worker serves, by name: its own log, its tasks' tagged output. */
export type NodeLogName = 'node' | 'tasks';

/** Lines a tail returns when not told (as `ray logs`). */
export const DEFAULT_LOG_TAIL = 1000;
/** The most lines one request may ask for. */
export const LOG_TAIL_MAX = 100_000;

/**
 * A task, actor or node id as Convoy makes them (`<clientId>.<n>`, hex, `node-…`), or as a user names a
 * node: letters, digits and `. _ : -`. No quotes or backslashes, so an id can be looked for in a JSON line
 * as it is written there, without parsing the line.
 */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function isLogId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** `--tail`'s value as a count, or a message saying what is wrong with it. */
export function parseTail(text: string | null | undefined): number | string {
  if (text === null || text === undefined || text === '') return DEFAULT_LOG_TAIL;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > LOG_TAIL_MAX) return `tail must be a whole number of lines from 1 to ${LOG_TAIL_MAX}, not ${JSON.stringify(text)}`;
  return n;
}

/**
 * Keeps the task-output lines (worker/runtime/task-output.ts) of one task or actor. The id is looked for as
 * JSON.stringify writes the field, closing quote included, so task `c.1` does not match `c.10`.
 */
export function taskLineFilter(f: { taskId?: string; actorId?: string }): ((line: string) => boolean) | undefined {
  const needles = [f.taskId && `"taskId":"${f.taskId}"`, f.actorId && `"actorId":"${f.actorId}"`].filter((n): n is string => !!n);
  if (needles.length === 0) return undefined;
  return (line) => needles.every((n) => line.includes(n));
}
