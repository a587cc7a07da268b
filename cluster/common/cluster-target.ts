/**
 * Which cluster a client talks to, found the way `ray.init()` finds one:
 *
 * 1. the address given (`connect(address)`, `--address`),
 * 2. else CONVOY_ADDRESS,
 * 3. else the newest head that `convoy start --head` started on this machine (its record in
 *    $CONVOY_HOME/procs; records of dead processes are dropped),
 * 4. else, for `connect()`, a fresh embedded cluster; a CLI command fails, naming what to do.
 *
 * `local` as the address asks for an embedded cluster even when a head runs (Ray's `address="local"`);
 * `auto` asks for the recorded head and fails when there is none (Ray's `address="auto"`).
 *
 * The token always belongs to the head chosen: a token passed by the caller wins; a head recorded on this
 * machine is reached with its own token file; any other head with CONVOY_TOKEN or CONVOY_TOKEN_FILE. An
 * embedded cluster makes its own token and never shares it, so it cannot hide the token of another head.
 */
import os from 'node:os';
import { AuthError, ConnectError } from './errors.ts';
import { recordedHead, listProcesses, type ProcRecord } from './paths.ts';
import { envToken, givenToken, headTokenFile, type TokenChoice } from './token-source.ts';

export interface ClusterRequest {
  /** gRPC `host:port`, the head's HTTP URL (`http://host:8265`, CLI commands only), `local` or `auto`. */
  address?: string;
  token?: string;
  tokenFile?: string;
  /** Whether an embedded cluster is an answer (connect()) or not (CLI commands, which need a running head). */
  embedded: boolean;
}

export type ClusterTarget =
  | { readonly kind: 'embedded' }
  | {
      readonly kind: 'head';
      /** gRPC address, when known (an HTTP URL alone gives only `httpAddress`). */
      readonly grpcAddress?: string;
      /** `host:port` of the head's HTTP API, when known. */
      readonly httpAddress?: string;
      readonly token: string;
      readonly tokenSource: string;
      /** How the head was found, for messages: "given", "CONVOY_ADDRESS" or "recorded". */
      readonly foundBy: 'given' | 'CONVOY_ADDRESS' | 'recorded';
    };

export function findCluster(req: ClusterRequest): ClusterTarget {
  const given = req.address ?? process.env.CONVOY_ADDRESS;
  const foundBy = req.address !== undefined ? 'given' : 'CONVOY_ADDRESS';
  if (given === 'local') {
    if (req.embedded) return { kind: 'embedded' };
    throw new ConnectError('local', "'local' means a new embedded cluster, which only connect() starts; give a running head's address instead");
  }
  if (given && given !== 'auto') {
    const http = /^https?:\/\//i.test(given);
    const endpoint = http ? given.replace(/^https?:\/\//i, '').replace(/\/.*$/, '') : given;
    const rec = listProcesses().find((p) => p.role === 'head' && sameEndpoint(http ? p.httpAddress : p.address, endpoint));
    const tok = tokenFor(req, rec, given);
    return {
      kind: 'head',
      grpcAddress: http ? rec?.address : given,
      httpAddress: http ? endpoint : rec?.httpAddress,
      token: tok.token,
      tokenSource: tok.source,
      foundBy,
    };
  }
  const rec = recordedHead();
  if (rec) {
    const tok = tokenFor(req, rec, rec.address);
    return { kind: 'head', grpcAddress: rec.address, httpAddress: rec.httpAddress, token: tok.token, tokenSource: tok.source, foundBy: 'recorded' };
  }
  if (given === 'auto') {
    throw new ConnectError('auto', 'no head started with `convoy start --head` runs on this machine; start one, or give its address');
  }
  if (req.embedded) return { kind: 'embedded' };
  throw new ConnectError(
    '(none)',
    'no --address given, CONVOY_ADDRESS is not set, and no head runs on this machine (start one with `convoy start --head`, or pass --address HOST:PORT)',
  );
}

function tokenFor(req: ClusterRequest, rec: ProcRecord | undefined, where: string): TokenChoice {
  const passed = givenToken(req.token, req.tokenFile);
  if (passed) return passed;
  if (rec?.tokenFile) {
    try {
      return headTokenFile(rec.tokenFile);
    } catch (err) {
      // e.g. the head runs as another user with its token file out of reach: the environment may hold it.
      const env = envToken();
      if (env) return env;
      throw err;
    }
  }
  const env = envToken();
  if (env) return env;
  throw new AuthError(
    `no cluster token for the head at ${where}: set CONVOY_TOKEN or CONVOY_TOKEN_FILE, or pass --token-file / { tokenFile } ` +
      '(the head prints its token file at start; it is <session folder>/token on the head machine)',
  );
}

/** Whether two `host:port` strings name the same server on this machine (127.0.0.1, localhost, its own IPs…). */
export function sameEndpoint(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const pa = splitHostPort(a);
  const pb = splitHostPort(b);
  if (!pa || !pb || pa.port !== pb.port) return false;
  return pa.host === pb.host || (isThisMachine(pa.host) && isThisMachine(pb.host));
}

function splitHostPort(s: string): { host: string; port: string } | undefined {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(s.trim());
  return m ? { host: m[1]!.toLowerCase(), port: m[2]! } : undefined;
}

function isThisMachine(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '::' || host === '0.0.0.0' || host.startsWith('127.')) return true;
  if (host === os.hostname().toLowerCase()) return true;
  return Object.values(os.networkInterfaces()).some((addrs) => addrs?.some((a) => a.address.toLowerCase() === host));
}
