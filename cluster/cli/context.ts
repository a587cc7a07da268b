/**
 * How CLI commands find the cluster: `--address` (gRPC `host:port`, or the HTTP `http://host:8265`), else
 * CONVOY_ADDRESS, else the head recorded on this machine; the token from `--token-file`, CONVOY_TOKEN,
 * CONVOY_TOKEN_FILE, or that head's token file.
 */
import { listProcesses } from '../common/paths.ts';
import { readTokenFile } from '../common/auth.ts';
import { ConnectError } from '../common/errors.ts';
import { resolveToken } from '../common/token-source.ts';

export interface ClusterTarget {
  /** gRPC address, when known. */
  grpc?: string;
  /** HTTP address (jobs API, dashboard), when known. */
  http?: string;
  token: string;
}

export interface TargetFlags {
  address?: string;
  tokenFile?: string;
}

export function localHead() {
  return listProcesses()
    .filter((p) => p.role === 'head')
    .sort((a, b) => b.startedAt - a.startedAt)[0];
}

export function resolveTarget(flags: TargetFlags): ClusterTarget {
  const given = flags.address ?? process.env.CONVOY_ADDRESS;
  const local = given ? undefined : localHead();
  if (!given && !local) {
    throw new ConnectError('(none)', 'no --address given, CONVOY_ADDRESS is not set, and no head runs on this machine (start one with `convoy start --head`)');
  }
  let token: string;
  if (!flags.tokenFile && !process.env.CONVOY_TOKEN && !process.env.CONVOY_TOKEN_FILE && local?.tokenFile) token = readTokenFile(local.tokenFile);
  else token = resolveToken(undefined, flags.tokenFile);
  if (given?.startsWith('http://') || given?.startsWith('https://')) return { http: given.replace(/\/+$/, ''), token };
  return { grpc: given ?? local!.address, http: local?.httpAddress ? `http://${local.httpAddress}` : undefined, token };
}

/** The head's HTTP base URL, asking the head over gRPC when only its gRPC address is known. */
export async function httpBase(t: ClusterTarget): Promise<string> {
  if (t.http) return t.http;
  const { HeadConnection } = await import('../client/head-connection.ts');
  const head = new HeadConnection(t.grpc!, t.token, undefined, { clientId: 'cli', kind: 'cli', jobId: '' });
  try {
    const s = await head.status(5000);
    return `http://${s.httpAddress}`;
  } catch (err) {
    throw new ConnectError(t.grpc!, (err as Error).message, { cause: err });
  } finally {
    head.close();
  }
}

/** A JSON request to the head's HTTP API; a non-2xx answer becomes an Error carrying the head's message. */
export async function api<T>(t: ClusterTarget, method: string, path: string, body?: unknown): Promise<T> {
  const base = await httpBase(t);
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${t.token}`,
      ...(body instanceof Uint8Array ? { 'content-type': 'application/gzip' } : body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body instanceof Uint8Array ? body : body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) {
    let msg = text;
    try {
      msg = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // plain text answer
    }
    throw new Error(`${method} ${path} failed (HTTP ${res.status}): ${msg.trim()}`);
  }
  return JSON.parse(text) as T;
}
