/**
 * The head's HTTP surface: the jobs API (as Ray's dashboard port serves it), package upload and download,
 * cluster status, the dashboard page and its ws event feed. Every request needs the cluster token, as a
 * `Authorization: Bearer` header or, for a browser, the cookie set by opening `/?token=…` once.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream, existsSync } from 'node:fs';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { tokenMatches } from '../../common/auth.ts';
import { IllegalStateError, RuntimeEnvError, UploadError } from '../../common/errors.ts';
import { advertiseHost } from '../../common/net.ts';
import type { Logger } from '../../common/logger.ts';
import { DEFAULT_MAX_PACKAGE_BYTES } from '../../common/package-archive.ts';
import type { HeadServer } from '../head-server.ts';
import { DASHBOARD_CSP, dashboardHtml } from './dashboard-page.ts';

const COOKIE = 'convoy_token';

const count = z.number().finite().nonnegative();
/** A progress report from a client; everything the dashboard will show, bounded. */
const progressSchema = z.object({
  id: z.string().min(1).max(200),
  label: z.string().max(500),
  done: count,
  total: count,
  rate: count.default(0),
  etaS: count.nullable().optional(),
  extra: z.record(z.string().max(64), z.union([z.number().finite(), z.string().max(200)])).refine((e) => Object.keys(e).length <= 20, 'at most 20 extras').optional(),
});

export class HttpApi {
  readonly #server: http.Server;
  readonly #wss: WebSocketServer;
  #address = '';

  constructor(private readonly opts: { token: string; head: HeadServer; log: Logger }) {
    this.#server = http.createServer((req, res) => {
      this.#route(req, res).catch((err) => this.#error(res, err));
    });
    this.#wss = new WebSocketServer({ noServer: true });
    this.#server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/api/events' || !this.#authorized(req, url)) {
        socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        socket.destroy();
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        for (const e of opts.head.events.snapshot()) ws.send(JSON.stringify(e));
        const off = opts.head.events.subscribe((e) => {
          if (ws.readyState === ws.OPEN && ws.bufferedAmount < 1 << 20) ws.send(JSON.stringify(e));
        });
        ws.on('close', off);
        ws.on('error', off);
      });
    });
  }

  get address(): string {
    return this.#address;
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        const a = this.#server.address() as AddressInfo;
        this.#address = `${advertiseHost(host)}:${a.port}`;
        resolve();
      });
    });
  }

  #authorized(req: IncomingMessage, url: URL): boolean {
    if (tokenMatches(req.headers.authorization, this.opts.token)) return true;
    const cookie = parseCookies(req.headers.cookie)[COOKIE];
    if (cookie && tokenMatches(cookie, this.opts.token)) return true;
    // A token in the URL is accepted only to sign in on the page itself (it is traded for a cookie at once),
    // so it does not end up in proxy logs of API calls.
    const q = url.searchParams.get('token');
    return url.pathname === '/' && req.method === 'GET' && q !== null && tokenMatches(q, this.opts.token);
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    if (!this.#authorized(req, url)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
      res.end('401: missing or wrong cluster token. Send "Authorization: Bearer TOKEN", or open /?token=TOKEN once in a browser.\n');
      return;
    }
    const head = this.opts.head;
    const parts = url.pathname.split('/').filter(Boolean);

    if (method === 'GET' && url.pathname === '/') {
      const headers: Record<string, string> = {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': `${DASHBOARD_CSP}; frame-ancestors 'none'`,
      };
      if (url.searchParams.has('token')) {
        // Trade the token in the URL for a cookie, and drop it from the address bar.
        headers['set-cookie'] = `${COOKIE}=${url.searchParams.get('token')}; HttpOnly; SameSite=Strict; Path=/`;
        res.writeHead(303, { ...headers, location: '/' });
        res.end();
        return;
      }
      res.writeHead(200, headers);
      res.end(dashboardHtml());
      return;
    }
    if (parts[0] !== 'api') return this.#json(res, 404, { error: `no route ${method} ${url.pathname}` });

    if (method === 'GET' && parts[1] === 'status') return this.#json(res, 200, head.status());
    if (method === 'GET' && parts[1] === 'memory') return this.#json(res, 200, await head.memory());
    if (method === 'POST' && parts[1] === 'shutdown') {
      this.#json(res, 200, { ok: true });
      head.shutdownNodes('convoy stop');
      setTimeout(() => process.emit('SIGTERM'), 100).unref();
      return;
    }
    if (method === 'POST' && parts[1] === 'progress') {
      const parsed = progressSchema.safeParse(JSON.parse((await readBody(req, 1 << 16)).toString('utf8')));
      if (!parsed.success) {
        return this.#json(res, 400, { error: `bad progress report: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
      }
      head.events.publish({ type: 'progress', ...parsed.data, etaS: parsed.data.etaS ?? null });
      return this.#json(res, 200, { ok: true });
    }
    if (parts[1] === 'packages') {
      if (method === 'POST' && parts.length === 2) {
        const body = await readBody(req, DEFAULT_MAX_PACKAGE_BYTES + (16 << 20));
        return this.#json(res, 200, await head.jobs.storePackage(body));
      }
      if (method === 'GET' && parts.length === 3) {
        const file = head.jobs.packagePath(parts[2]!);
        if (!existsSync(file)) return this.#json(res, 404, { error: `no package ${parts[2]}` });
        res.writeHead(200, { 'content-type': 'application/gzip' });
        createReadStream(file).pipe(res);
        return;
      }
    }

    if (parts[1] === 'jobs') {
      if (method === 'GET' && parts.length === 2) return this.#json(res, 200, head.jobs.list());
      if (method === 'POST' && parts.length === 2) {
        const body = JSON.parse((await readBody(req, 1 << 20)).toString('utf8')) as { entrypoint?: unknown; packageId?: unknown; env?: unknown; submissionId?: unknown };
        // The job manager checks env and submissionId (names, reserved variables, id format).
        const job = await head.jobs.submit({
          entrypoint: body.entrypoint as string[],
          packageId: typeof body.packageId === 'string' && body.packageId ? body.packageId : undefined,
          env: (body.env as Record<string, string>) ?? undefined,
          submissionId: body.submissionId as string | undefined,
        });
        return this.#json(res, 200, job);
      }
      const jobId = parts[2] ?? '';
      if (method === 'GET' && parts.length === 3) {
        const job = head.jobs.get(jobId);
        return job ? this.#json(res, 200, job) : this.#json(res, 404, { error: `no job ${jobId}` });
      }
      if (method === 'GET' && parts[3] === 'logs') {
        if (!head.jobs.get(jobId)) return this.#json(res, 404, { error: `no job ${jobId}` });
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        if (url.searchParams.get('follow') !== '1') {
          res.end(await head.jobs.readLogs(jobId, Number(url.searchParams.get('offset') ?? 0)));
          return;
        }
        const off = await head.jobs.follow(jobId, (chunk) => (chunk ? res.write(chunk) : res.end()));
        res.on('close', off);
        return;
      }
      if (method === 'POST' && parts[3] === 'stop') {
        const job = await head.jobs.stop(jobId);
        return job ? this.#json(res, 200, job) : this.#json(res, 404, { error: `no job ${jobId}` });
      }
    }
    this.#json(res, 404, { error: `no route ${method} ${url.pathname}` });
  }

  #json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #error(res: ServerResponse, err: unknown): void {
    const e = err as Error;
    const code =
      e instanceof UploadError || e instanceof RuntimeEnvError || e instanceof TypeError || e instanceof SyntaxError
        ? 400
        : e instanceof IllegalStateError // e.g. a submission id already used by a different job
          ? 409
          : e.name === 'PayloadTooLargeError'
            ? 413
            : 500;
    if (code === 500) this.opts.log.error({ err: e.message }, 'http handler failed');
    if (res.headersSent) return void res.end();
    this.#json(res, code, { error: e.message, name: e.name });
  }

  close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    return new Promise((r) => this.#server.close(() => r()));
  }
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        const e = new Error(`request body above the limit of ${limit} bytes`);
        e.name = 'PayloadTooLargeError';
        reject(e);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
