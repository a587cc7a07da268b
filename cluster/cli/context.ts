/**
 * How CLI commands find the cluster: as `connect()` does (common/cluster-target.ts) — `--address` (gRPC
 * `host:port`, or the HTTP `http://host:8265`), else CONVOY_ADDRESS, else the head `convoy start --head`
 * started on this machine — but never an embedded cluster: a command that finds no head says so.
 */
import { AuthError, ConnectError } from '../common/errors.ts';
import { findCluster } from '../common/cluster-target.ts';

export interface ClusterTarget {
  /** gRPC address, when known. */
  grpc?: string;
  /** HTTP address (jobs API, dashboard), when known. */
  http?: string;
  token: string;
  /** Where the token came from ("CONVOY_TOKEN", "the token file …"), to say so when a head refuses it. */
  tokenSource: string;
}

export interface TargetFlags {
  address?: string;
  tokenFile?: string;
}

export function resolveTarget(flags: TargetFlags): ClusterTarget {
  const t = findCluster({ address: flags.address, tokenFile: flags.tokenFile, embedded: false });
  if (t.kind !== 'head') throw new ConnectError('local', 'no running head was found');
  const scheme = flags.address?.match(/^(https?):\/\//i)?.[1]?.toLowerCase() ?? 'http';
  return { grpc: t.grpcAddress, http: t.httpAddress ? `${scheme}://${t.httpAddress}` : undefined, token: t.token, tokenSource: t.tokenSource };
}

/** The head's HTTP base URL, asking the head over gRPC when only its gRPC address is known. */
export async function httpBase(t: ClusterTarget): Promise<string> {
  if (t.http) return t.http;
  return `http://${(await grpcStatus(t)).httpAddress}`;
}

/** The head's status over gRPC, which checks the token on the port every client uses. */
export async function grpcStatus(t: ClusterTarget) {
  const { HeadConnection } = await import('../client/head-connection.ts');
  const { grpc } = await import('../transport/grpc.ts');
  const head = new HeadConnection(t.grpc!, t.token, undefined, { clientId: 'cli', kind: 'cli', jobId: '' });
  try {
    return await head.status(5000);
  } catch (err) {
    // status() words a refused token as an AuthError whose cause is grpc-js's error; say where the token came from.
    const grpcErr = (err instanceof AuthError ? err.cause : err) as { code?: number; details?: string } | undefined;
    if (grpcErr?.code === grpc.status.UNAUTHENTICATED) {
      throw new AuthError(
        `the head at ${t.grpc} refused the cluster token from ${t.tokenSource} (${grpcErr.details}); ` +
          'if the head was restarted it has a new token: pass --token-file with its new token file, or set CONVOY_TOKEN',
        { cause: err },
      );
    }
    if (err instanceof ConnectError || err instanceof AuthError) throw err;
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
