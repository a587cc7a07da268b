/**
 * The head's HTTP surface: the jobs API (as Ray's dashboard port serves it), package upload and download,
 * cluster status, Prometheus metrics (`/metrics`, metrics.ts), the dashboard page and its ws event feed. Every request needs the cluster token, as a
 * `Authorization: Bearer` header or, for a browser, the cookie set by opening `/?token=…` once; state changes
 * and the ws feed must also pass the cross-origin checks of request-guard.ts, and bodies are read under the
 * limits of request-body.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream, existsSync } from 'node:fs';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { tokenMatches } from '../../common/auth.ts';
import { AmbiguousNodeError, IllegalStateError, RuntimeEnvError, UnknownNodeError, UploadError, UploadTooLargeError } from '../../common/errors.ts';
import { advertiseHost } from '../../common/net.ts';
import type { Logger } from '../../common/logger.ts';
import { formatZodIssues } from '../../common/zod-issues.ts';
import { MAX_PACKAGE_ARCHIVE_BYTES } from '../../common/package-extract.ts';
import type { ClusterStatus, DrainRequest, HistoryReport, MemoryReport, ModelsReport, NodeStatus, PlacementGroupInfo, ProgressReport } from '../../api/head-api.ts';
import type { TuneHistory } from '../tune-history.ts';
import { parseTaskQuery, type TaskLog } from '../task-log.ts';
import type { ActorDirectory } from '../actor-directory.ts';
import { chromeTrace } from '../timeline.ts';
import type { NodeSeriesRecorder } from '../node-series.ts';
import type { EventHub } from '../events.ts';
import type { JobManager } from '../jobs/job-manager.ts';
import { loadDashboardPage, type DashboardPage } from './dashboard-page.ts';
import { HeadMetrics } from './metrics.ts';
import { serveLogs, type LogsBackend } from './log-routes.ts';
import { changesState, contentTypeProblem, crossOriginProblem, type Credential } from './request-guard.ts';
import { declaredLength, limitedBody, readBody, refuseRestOfBody, tooLarge, type BodyAccount } from './request-body.ts';

const COOKIE = 'convoy_token';
const JSON_TYPES = ['application/json'] as const;
const ARCHIVE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream'] as const;
/** A body for a route that takes none (stop, shutdown) or a JSON one of no known size. */
const SMALL_BODY_BYTES = 1 << 16;

/** What a route accepts as its body: the content types (none: no body) and the most bytes. */
interface BodyRule {
  types?: readonly string[];
  limit: number;
}

function bodyRule(method: string, parts: string[]): BodyRule {
  if (method === 'POST' && parts[0] === 'api' && parts.length === 2) {
    if (parts[1] === 'jobs') return { types: JSON_TYPES, limit: 1 << 20 };
    if (parts[1] === 'progress') return { types: JSON_TYPES, limit: SMALL_BODY_BYTES };
    if (parts[1] === 'packages') return { types: ARCHIVE_TYPES, limit: MAX_PACKAGE_ARCHIVE_BYTES };
  }
  return { limit: SMALL_BODY_BYTES };
}

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

/** POST /api/nodes/NODE/drain's body (none is fine); unknown keys are refused, so a misspelt one is not ignored. */
const drainSchema = z
  .object({
    deadlineS: z.number().finite().nonnegative().optional(),
    reason: z.string().max(200).optional(),
  })
  .strict();

/**
 * What the HTTP surface needs of the head. The head implements it; the HTTP layer knows nothing else of it,
 * so the two modules do not import each other.
 */
export interface HttpBackend {
  readonly events: Pick<EventHub, 'publish' | 'subscribe' | 'snapshot'>;
  readonly jobs: Pick<JobManager, 'storePackage' | 'packagePath' | 'list' | 'submit' | 'get' | 'readLogs' | 'follow' | 'stop'>;
  readonly tuneRuns: Pick<TuneHistory, 'list' | 'get'>;
  readonly taskLog: Pick<TaskLog, 'page' | 'started'>;
  readonly actors: Pick<ActorDirectory, 'list'>;
  readonly series: Pick<NodeSeriesRecorder, 'report'>;
  /** `convoy logs`: the head's, the nodes', a task's or an actor's lines (log-routes.ts). */
  readonly logs: LogsBackend;
  history(): HistoryReport;
  /** The registry's models, when the head was given one (model-index.ts). */
  models(): Promise<ModelsReport>;
  status(): ClusterStatus;
  memory(): Promise<MemoryReport>;
  /** Asks every node to stop (`convoy stop`). */
  shutdownNodes(reason: string): void;
  /** Placement groups as they stand (`convoy placement-groups`, the dashboard). */
  placementGroupList(): PlacementGroupInfo[];
  /** Removes a placement group, releasing its bundles; false when there is none by that id. */
  removePlacementGroup(groupId: string): boolean;
  /** Drains the node a query names (`convoy drain`); throws UnknownNodeError, AmbiguousNodeError, IllegalStateError. */
  drainNode(query: string, request: DrainRequest): NodeStatus;
}

export class HttpApi {
  readonly #server: http.Server;
  readonly #wss: WebSocketServer;
  readonly #dashboard: DashboardPage = loadDashboardPage();
  readonly #metrics: HeadMetrics;
  /** The scrape port without the token (`metricsPort`), when asked for. */
  #metricsServer: http.Server | undefined;
  #address = '';
  #metricsAddress: string | undefined;

  constructor(private readonly opts: { token: string; head: HttpBackend; log: Logger }) {
    const { head } = opts;
    this.#metrics = new HeadMetrics({
      status: () => head.status(),
      tuneRuns: () => head.tuneRuns.list(),
      progress: () => head.events.snapshot().flatMap((e) => (e.type === 'progress' ? [{ ...e, extra: e.extra as ProgressReport['extra'] }] : [])),
    });
    const handle = (req: IncomingMessage, res: ServerResponse) => {
      this.#route(req, res).catch((err) => this.#error(req, res, err));
    };
    this.#server = http.createServer(handle);
    // A client that asks before sending a large body (curl does above 1 MiB) hears 413 instead of "continue".
    this.#server.on('checkContinue', (req, res) => {
      const declared = declaredLength(req);
      if (declared === undefined || declared <= bodyRule(req.method ?? 'GET', pathParts(req)).limit) res.writeContinue();
      handle(req, res);
    });
    this.#wss = new WebSocketServer({ noServer: true });
    this.#server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const via = url.pathname === '/api/events' ? this.#credential(req, url) : undefined;
      const problem = via ? crossOriginProblem(req, via) : undefined;
      if (!via || problem) {
        this.#refused(req, via ? 403 : 401, problem ?? 'missing or wrong cluster token');
        socket.write(via ? 'HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
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

  /** Where `/metrics` is served without the token, if `listenMetrics` was called. */
  get metricsAddress(): string | undefined {
    return this.#metricsAddress;
  }

  /**
   * Serves `GET /metrics` without the token on a port of its own, for a Prometheus inside the cluster's
   * network that cannot carry the token. Nothing else is served there, and it takes no request bodies.
   */
  listenMetrics(host: string, port: number): Promise<void> {
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain', connection: 'close' });
        res.end('only GET /metrics is served on this port\n');
        return;
      }
      this.#sendMetrics(res).catch((err) => this.#error(req, res, err));
    });
    this.#metricsServer = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        this.#metricsAddress = `${advertiseHost(host)}:${(server.address() as AddressInfo).port}`;
        resolve();
      });
    });
  }

  async #sendMetrics(res: ServerResponse): Promise<void> {
    const text = await this.#metrics.text();
    res.writeHead(200, { 'content-type': this.#metrics.contentType, 'cache-control': 'no-store' });
    res.end(text);
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

  /** How the request proved it holds the token, or undefined when it did not. */
  #credential(req: IncomingMessage, url: URL): Credential | undefined {
    if (tokenMatches(req.headers.authorization, this.opts.token)) return 'bearer';
    const cookie = parseCookies(req.headers.cookie)[COOKIE];
    if (cookie && tokenMatches(cookie, this.opts.token)) return 'cookie';
    // A token in the URL is accepted only to sign in on the page itself (it is traded for a cookie at once),
    // so it does not end up in proxy logs of API calls.
    const q = url.searchParams.get('token');
    return url.pathname === '/' && req.method === 'GET' && q !== null && tokenMatches(q, this.opts.token) ? 'url' : undefined;
  }

  /** One log line per refused request: who, what, why; never the query string (it may hold a token). */
  #refused(req: IncomingMessage, status: number, why: string, extra: Record<string, unknown> = {}): void {
    const path = (req.url ?? '/').split('?')[0];
    this.opts.log.warn({ status, method: req.method, path, remote: req.socket.remoteAddress, origin: req.headers.origin, why, ...extra }, 'http request refused');
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    const via = this.#credential(req, url);
    if (!via) {
      this.#refused(req, 401, 'missing or wrong cluster token');
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer', connection: 'close' });
      res.end('401: missing or wrong cluster token. Send "Authorization: Bearer TOKEN", or open /?token=TOKEN once in a browser.\n');
      return;
    }
    const head = this.opts.head;
    const parts = url.pathname.split('/').filter(Boolean);
    const rule = bodyRule(method, parts);
    if (changesState(method)) {
      const problem = crossOriginProblem(req, via);
      if (problem) return this.#refuse(req, res, 403, problem, rule.limit);
      const typeProblem = contentTypeProblem(req, rule.types);
      if (typeProblem) return this.#refuse(req, res, 415, typeProblem, rule.limit);
    }
    const declared = declaredLength(req);
    const account: BodyAccount = { read: 0, buffered: 0 };
    res.on('finish', () => {
      if (res.statusCode === 413) this.#refused(req, 413, 'body over the limit', { limit: rule.limit, declared, bytesRead: account.read, bytesBuffered: account.buffered });
    });
    if (declared !== undefined && declared > rule.limit) throw tooLarge(rule.limit);

    if (method === 'GET' && url.pathname === '/') {
      const headers: Record<string, string> = {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': `${this.#dashboard.csp}; frame-ancestors 'none'`,
      };
      if (url.searchParams.has('token')) {
        // Trade the token in the URL for a cookie, and drop it from the address bar.
        headers['set-cookie'] = `${COOKIE}=${url.searchParams.get('token')}; HttpOnly; SameSite=Strict; Path=/`;
        res.writeHead(303, { ...headers, location: '/' });
        res.end();
        return;
      }
      res.writeHead(200, headers);
      res.end(this.#dashboard.html);
      return;
    }
    if (method === 'GET' && url.pathname === '/metrics') return this.#sendMetrics(res);
    if (parts[0] !== 'api') return this.#json(res, 404, { error: `no route ${method} ${url.pathname}` });
    const json = async () => JSON.parse((await readBody(req, rule.limit, account)).toString('utf8')) as unknown;

    if (method === 'GET' && parts[1] === 'status') return this.#json(res, 200, head.status());
    if (method === 'GET' && parts[1] === 'memory') return this.#json(res, 200, await head.memory());
    if (method === 'GET' && parts[1] === 'history') return this.#json(res, 200, head.history());
    if (method === 'GET' && parts[1] === 'models' && parts.length === 2) return this.#json(res, 200, await head.models());
    if (method === 'GET' && parts[1] === 'actors' && parts.length === 2) return this.#json(res, 200, head.actors.list());
    if (method === 'GET' && parts[1] === 'placement-groups' && parts.length === 2) return this.#json(res, 200, head.placementGroupList());
    if (method === 'POST' && parts[1] === 'placement-groups' && parts.length === 4 && parts[3] === 'remove') {
      const groupId = decodeURIComponent(parts[2]!);
      if (!head.removePlacementGroup(groupId)) return this.#json(res, 404, { error: `no placement group ${groupId}: convoy placement-groups lists them` });
      return this.#json(res, 200, { removed: groupId });
    }
    if (method === 'GET' && parts[1] === 'tasks' && parts.length === 2) {
      let query;
      try {
        query = parseTaskQuery(url.searchParams);
      } catch (err) {
        return this.#json(res, 400, { error: `bad task query: ${(err as Error).message}` });
      }
      return this.#json(res, 200, head.taskLog.page(query));
    }
    if (method === 'GET' && parts[1] === 'timeline' && parts.length === 2) {
      const job = url.searchParams.get('job') ?? undefined;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-disposition': 'attachment; filename="convoy-timeline.json"' });
      res.end(JSON.stringify(chromeTrace(head.taskLog.started(job))));
      return;
    }
    if (method === 'GET' && parts[1] === 'series') return this.#json(res, 200, head.series.report());
    if (parts[1] === 'logs') return serveLogs(req, res, url, parts, head.logs);
    if (method === 'GET' && parts[1] === 'tune-runs') {
      if (parts.length === 2) return this.#json(res, 200, head.tuneRuns.list());
      const run = head.tuneRuns.get(parts[2] ?? '');
      return run ? this.#json(res, 200, run) : this.#json(res, 404, { error: `no tune run ${parts[2]}` });
    }
    if (method === 'POST' && parts[1] === 'shutdown') {
      this.#json(res, 200, { ok: true });
      head.shutdownNodes('convoy stop');
      setTimeout(() => process.emit('SIGTERM'), 100).unref();
      return;
    }
    if (method === 'POST' && parts[1] === 'nodes' && parts.length === 4 && parts[3] === 'drain') {
      const text = (await readBody(req, rule.limit, account)).toString('utf8').trim();
      const parsed = drainSchema.safeParse(text ? JSON.parse(text) : {});
      if (!parsed.success) return this.#json(res, 400, { error: `bad drain request: ${formatZodIssues(parsed.error.issues).join('; ')}` });
      return this.#json(res, 200, head.drainNode(decodeURIComponent(parts[2]!), parsed.data));
    }
    if (method === 'POST' && parts[1] === 'progress') {
      const parsed = progressSchema.safeParse(await json());
      if (!parsed.success) {
        return this.#json(res, 400, { error: `bad progress report: ${formatZodIssues(parsed.error.issues).join('; ')}` });
      }
      const report: ProgressReport = { ...parsed.data, etaS: parsed.data.etaS ?? null };
      head.events.publish({ type: 'progress', ...report });
      return this.#json(res, 200, { ok: true });
    }
    if (parts[1] === 'packages') {
      if (method === 'POST' && parts.length === 2) {
        return this.#json(res, 200, await head.jobs.storePackage(limitedBody(req, rule.limit, account)));
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
        const body = (await json()) as { entrypoint?: unknown; packageId?: unknown; env?: unknown; submissionId?: unknown };
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

  #refuse(req: IncomingMessage, res: ServerResponse, code: number, error: string, limit: number): void {
    this.#refused(req, code, error);
    refuseRestOfBody(req, res, limit);
    this.#json(res, code, { error });
  }

  #json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #error(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    const e = err as Error;
    const code =
      e instanceof UploadTooLargeError
        ? 413
        : e instanceof UnknownNodeError
          ? 404
          : e instanceof AmbiguousNodeError
            ? 409
        : e instanceof UploadError || e instanceof RuntimeEnvError || e instanceof TypeError || e instanceof SyntaxError
          ? 400
          : e instanceof IllegalStateError // e.g. a submission id already used by a different job
            ? 409
            : 500;
    if (code === 500) this.opts.log.error({ err: e.message }, 'http handler failed');
    if (res.headersSent) return void res.end();
    refuseRestOfBody(req, res, e instanceof UploadTooLargeError ? e.limitBytes : 0);
    this.#json(res, code, { error: e.message, name: e.name, ...(e instanceof UploadTooLargeError ? { limitBytes: e.limitBytes } : {}) });
  }

  close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    this.#metricsServer?.closeAllConnections();
    const metricsClosed = new Promise<void>((r) => (this.#metricsServer ? this.#metricsServer.close(() => r()) : r()));
    return Promise.all([new Promise<void>((r) => this.#server.close(() => r())), metricsClosed]).then(() => undefined);
  }
}

function pathParts(req: IncomingMessage): string[] {
  return new URL(req.url ?? '/', 'http://x').pathname.split('/').filter(Boolean);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // not percent-encoded as we write it: not our cookie
    }
  }
  return out;
}
