/**
 * The HTTP routes of `convoy logs` (GET only; http-api.ts has checked the token before any of them runs):
 *
 * - `/api/logs`: what exists (LogListing): the head's log, each live node's files, the jobs.
 * - `/api/logs/head`, `/api/logs/nodes/NODE[?file=tasks]`: text, one log line a line.
 * - `/api/logs/tasks/TASK`, `/api/logs/actors/ACTOR`: what that task or actor printed on any live node, one
 *   TaskLogLine (JSON) a line.
 *
 * Each takes `tail=N` (default 1000) and `follow=1`, which keeps the answer open and sends new lines as they
 * are written, with an empty line every KEEPALIVE_MS so an idle follow is not cut by a client's body timeout
 * (readers skip empty lines). A bad id or tail is 400, an unknown node or a task with no output 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AmbiguousNodeError, LogNotFoundError, UnknownNodeError } from '../../common/errors.ts';
import { isLogId, parseTail } from '../../common/log-query.ts';
import type { LogListing } from '../../api/head-api.ts';
import type { LogSource, OpenedLog } from '../cluster-logs.ts';

export interface LogsBackend {
  list(): Promise<LogListing>;
  open(source: LogSource, tail: number, follow: boolean): Promise<OpenedLog>;
}

const KEEPALIVE_MS = 30_000;

/** Answers GET /api/logs…; `parts` is the path split at slashes (`['api', 'logs', …]`). */
export async function serveLogs(req: IncomingMessage, res: ServerResponse, url: URL, parts: string[], logs: LogsBackend): Promise<void> {
  if (req.method !== 'GET') return json(res, 405, { error: `${req.method} ${url.pathname}: the logs are read with GET` });
  if (parts.length === 2) return json(res, 200, await logs.list());
  const source = sourceOf(parts.slice(2), url);
  if (typeof source === 'string') return json(res, source.startsWith('no route') ? 404 : 400, { error: source });
  const tail = parseTail(url.searchParams.get('tail'));
  if (typeof tail === 'string') return json(res, 400, { error: tail });
  const follow = url.searchParams.get('follow') === '1';
  // The reader may leave while the nodes send their tails: then nothing must stay open to follow for it.
  let gone = false;
  res.once('close', () => (gone = true));
  let opened: OpenedLog;
  try {
    opened = await logs.open(source, tail, follow);
  } catch (err) {
    const e = err as Error;
    const code = e instanceof UnknownNodeError || e instanceof LogNotFoundError ? 404 : e instanceof AmbiguousNodeError ? 409 : e instanceof TypeError ? 400 : 0;
    if (!code) throw err;
    return json(res, code, { error: e.message, name: e.name });
  }
  if (gone) {
    if (follow) opened.follow(() => undefined, () => undefined)();
    return;
  }
  const ndjson = source.kind === 'task' || source.kind === 'actor';
  res.writeHead(200, {
    'content-type': ndjson ? 'application/x-ndjson; charset=utf-8' : 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...(opened.truncated ? { 'x-convoy-log-truncated': '1' } : {}),
  });
  const send = (lines: string[]) => lines.length > 0 && res.write(`${lines.join('\n')}\n`);
  send(opened.lines);
  if (!follow) return void res.end();
  const keepalive = setInterval(() => res.write('\n'), KEEPALIVE_MS);
  const stop = opened.follow(send, () => {
    clearInterval(keepalive);
    res.end();
  });
  res.on('close', () => {
    clearInterval(keepalive);
    stop();
  });
}

/** What `parts` (after `/api/logs/`) names, or why it names nothing. */
function sourceOf(parts: string[], url: URL): LogSource | string {
  const [kind, rawId, ...rest] = parts;
  if (kind === 'head' && rawId === undefined) return { kind: 'head' };
  if (rawId === undefined || rest.length > 0 || !['nodes', 'tasks', 'actors'].includes(kind!)) return `no route GET ${url.pathname}: see GET /api/logs`;
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    id = rawId;
  }
  const noun = kind === 'nodes' ? 'node' : kind === 'tasks' ? 'task' : 'actor';
  if (!isLogId(id)) return `${JSON.stringify(id.slice(0, 80))} is not a ${noun} id (letters, digits and . _ : - only)`;
  if (kind === 'nodes') {
    const file = url.searchParams.get('file') ?? 'node';
    if (file !== 'node' && file !== 'tasks') return `file must be "node" or "tasks", not ${JSON.stringify(file.slice(0, 40))}`;
    return { kind: 'node', node: id, file };
  }
  return kind === 'tasks' ? { kind: 'task', taskId: id } : { kind: 'actor', actorId: id };
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
