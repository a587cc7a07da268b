/**
 * The HTTP face of the forecast service (node:http, in the process that runs `convoy serve`):
 *
 *     POST /forecast   body: forecast-request.ts → 200 { model, version, forecasts, incomplete? }
 *     GET  /healthz    → 200 { status: 'ok', ...stats } (requests, replica calls, versions)
 *
 * Every request needs `Authorization: Bearer <token>` (401 otherwise; compared in constant time, and never
 * logged). Bodies over `maxBodyBytes` get 413 without being read further. Every error is JSON
 * `{ error: { message, field? } }` whose message says what to fix: 400 for a body or sensor the model cannot
 * take, 422 for a history the lake lacks, 503 when the queue is full, 504 when a replica took too long, 500 when
 * a replica failed.
 * It listens on 127.0.0.1 unless given another host.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BusyError } from './micro-batcher.ts';
import { parseForecastRequest } from './forecast-request.ts';
import type { ForecastQuery } from './replica.ts';
import { ReplicaTimeoutError, type ServiceAnswer, type ServiceStats } from './forecast-service.ts';

/** What the front needs of the service (a ForecastService, or a stand-in in tests). */
export interface ForecastBackend {
  forecast(query: ForecastQuery): Promise<ServiceAnswer>;
  stats(): ServiceStats;
}

export interface HttpFrontOptions {
  service: ForecastBackend;
  /** The bearer token every request must carry. */
  token: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Largest request body accepted. @default 1 MiB */
  maxBodyBytes?: number;
  /** Called once per answered request, with method, path, status and ms (never headers or bodies). */
  log?: (fields: { method: string; path: string; status: number; ms: number }) => void;
}

export interface HttpFront {
  /** `host:port` it listens on. */
  readonly address: string;
  readonly port: number;
  /** Stops accepting connections and resolves once the requests being answered are answered. */
  close(): Promise<void>;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function startHttpFront(o: HttpFrontOptions): Promise<HttpFront> {
  if (!o.token) throw new TypeError('startHttpFront: a token is required');
  const expected = digest(o.token);
  const maxBody = o.maxBodyBytes ?? 1024 * 1024;

  const authorized = (req: IncomingMessage): boolean => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]!), expected);
  };

  const handle = async (req: IncomingMessage): Promise<unknown> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!authorized(req)) throw new HttpProblem(401, 'missing or wrong token: send "Authorization: Bearer <token>" with the token from the file convoy serve printed');
    if (url.pathname === '/healthz') {
      if (req.method !== 'GET') throw new HttpProblem(405, 'use GET /healthz');
      return { status: 'ok', ...o.service.stats() };
    }
    if (url.pathname !== '/forecast') throw new HttpProblem(404, `no route ${url.pathname}: use POST /forecast or GET /healthz`);
    if (req.method !== 'POST') throw new HttpProblem(405, 'use POST /forecast with a JSON body');
    const text = await readBody(req, maxBody);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new HttpProblem(400, `the body is not JSON (${(err as Error).message}): send { "sensors": [...] } or { "fromLake": {...} }`, '(body)');
    }
    const parsed = parseForecastRequest(body);
    if ('problem' in parsed) throw new HttpProblem(400, parsed.problem.message, parsed.problem.field);
    let answer: ServiceAnswer;
    try {
      answer = await o.service.forecast(parsed.query);
    } catch (err) {
      if (err instanceof BusyError) throw new HttpProblem(503, err.message);
      if (err instanceof ReplicaTimeoutError) throw new HttpProblem(504, err.message);
      throw new HttpProblem(500, `the forecast failed on a replica: ${(err as Error).message}`);
    }
    if ('error' in answer) throw new HttpProblem(answer.error.status, answer.error.message, answer.error.field);
    return { model: o.service.stats().model, version: answer.version, forecasts: answer.forecasts, ...(answer.incomplete?.length ? { incomplete: answer.incomplete } : {}) };
  };

  const server = createServer((req, res) => {
    const started = Date.now();
    const reply = (status: number, value: unknown) => {
      send(res, status, value);
      o.log?.({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, status, ms: Date.now() - started });
    };
    handle(req).then(
      (value) => reply(200, value),
      (err: unknown) => {
        const p = err instanceof HttpProblem ? err : new HttpProblem(500, (err as Error).message);
        reply(p.status, { error: { message: p.message, ...(p.field ? { field: p.field } : {}) } });
        // An unread body (401, 413, …) would otherwise keep the connection waiting.
        if (!req.complete) req.resume();
      },
    );
  });
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    address: `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`,
    port: addr.port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })),
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new HttpProblem(413, `the body is ${declared} bytes, over this service's limit of ${limit}: send fewer sensors per request`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpProblem(413, `the body is over this service's limit of ${limit} bytes: send fewer sensors per request`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
