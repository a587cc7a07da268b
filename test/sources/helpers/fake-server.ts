/**
 * A scripted HTTP server on 127.0.0.1:0 standing in for a provider: each request is answered by the next
 * scripted reply (the last one repeats), and every request URL is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

export interface FakeServer {
  url: string;
  requests: { url: string; method: string; body: string }[];
  script(...replies: (Reply | ((req: IncomingMessage) => Reply))[]): void;
  close(): Promise<void>;
}

export async function startFakeServer(): Promise<FakeServer> {
  let replies: (Reply | ((req: IncomingMessage) => Reply))[] = [{ status: 500, body: 'no script' }];
  let next = 0;
  const requests: FakeServer['requests'] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', method: req.method ?? 'GET', body });
      const r = replies[Math.min(next++, replies.length - 1)]!;
      const reply = typeof r === 'function' ? r(req) : r;
      if (reply.hang) {
        hanging.add(res);
        return;
      }
      const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status ?? 200, { 'content-type': typeof reply.body === 'string' ? 'text/html' : 'application/json', ...reply.headers });
      res.end(payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(...r) {
      replies = r;
      next = 0;
      requests.length = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
