/**
 * gRPC plumbing shared by every process: credentials (plain or TLS), the token check on the server, the
 * token header on the client, and channel options tuned for long-lived streams on a LAN.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { AuthError, ListenError } from '../common/errors.ts';
import { tokenMatches } from '../common/auth.ts';

export interface TlsOptions {
  /** PEM certificate chain of this server. */
  cert?: string;
  /** PEM private key of this server. */
  key?: string;
  /** PEM CA bundle used to verify the peer. */
  ca?: string;
}

export function readTlsFiles(paths: { cert?: string; key?: string; ca?: string }): TlsOptions | undefined {
  if (!paths.cert && !paths.key && !paths.ca) return undefined;
  if ((paths.cert && !paths.key) || (!paths.cert && paths.key)) {
    throw new TypeError('TLS needs both --tls-cert and --tls-key');
  }
  const read = (p?: string) => (p ? readFileSync(p, 'utf8') : undefined);
  return { cert: read(paths.cert), key: read(paths.key), ca: read(paths.ca) };
}

const MiB = 1024 * 1024;

const MESSAGE_LIMITS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 512 * MiB,
  'grpc.max_send_message_length': 512 * MiB,
};

/**
 * Servers never ping their clients: a driver busy in a long synchronous computation would miss the ack and
 * lose its connection (and with it its leases). Dead clients are noticed by TCP, or by their own pings stopping.
 */
export const SERVER_OPTIONS: grpc.ChannelOptions = {
  ...MESSAGE_LIMITS,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc-node.max_session_memory': 256,
};

/** Clients ping servers (whose event loops stay free: task code runs in threads) to notice a dead peer. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  ...MESSAGE_LIMITS,
  'grpc.keepalive_time_ms': 15_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.keepalive_permit_without_calls': 1,
  // grpc-js backs its reconnects off to 120 s (×1.6 from 1 s): a head or worker that restarts in a few seconds
  // would be found only on the next attempt, seconds later, while our own redial loops (capped at 2 s) retry
  // against a channel still waiting. Capped to match, a restarted peer is found within about 2 s.
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2000,
};

export function serverCredentials(tls?: TlsOptions): grpc.ServerCredentials {
  if (!tls?.cert || !tls.key) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    tls.ca ? Buffer.from(tls.ca) : null,
    [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
    false,
  );
}

export function channelCredentials(tls?: TlsOptions): grpc.ChannelCredentials {
  if (!tls?.ca && !tls?.cert) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(
    tls.ca ? Buffer.from(tls.ca) : null,
    tls.key ? Buffer.from(tls.key) : null,
    tls.cert ? Buffer.from(tls.cert) : null,
  );
}

/** Adds `authorization: Bearer TOKEN` to every outgoing call. */
export function authInterceptor(token: string): grpc.Interceptor {
  const value = `Bearer ${token}`;
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', value);
        next(metadata, listener);
      },
    });
}

export function clientOptions(token: string): grpc.ClientOptions {
  return { ...CHANNEL_OPTIONS, interceptors: [authInterceptor(token)] };
}

/**
 * For channels that carry object bytes (to a worker's FetchObject and PutObject). grpc-js opens each stream
 * with a 64 KiB HTTP/2 receive window, so a large download stalls on flow control most of the time: a 512 MiB
 * pull ran at 0.08–0.11 GB/s with it, 0.26–0.31 GB/s with 8–64 MiB. The window only bounds what a sender may
 * have in flight toward us; memory is used only for bytes that actually arrive. Uploads are bound by the
 * server's receive window, which grpc-js offers no option for; the data plane (data-plane-*.ts) avoids both.
 */
export const OBJECT_FLOW_CONTROL_WINDOW = 64 * MiB;

export function objectClientOptions(token: string): grpc.ClientOptions {
  return { ...clientOptions(token), 'grpc-node.flow_control_window': OBJECT_FLOW_CONTROL_WINDOW };
}

const UNAUTHENTICATED_DETAILS = 'missing or wrong cluster token (send authorization: Bearer TOKEN)';

type AnyCall =
  | grpc.ServerUnaryCall<unknown, unknown>
  | grpc.ServerReadableStream<unknown, unknown>
  | grpc.ServerWritableStream<unknown, unknown>
  | grpc.ServerDuplexStream<unknown, unknown>;

/**
 * Wraps every handler of a service so that a call without the right token is refused with UNAUTHENTICATED
 * before the handler sees it; `onRefused` hears of each refusal (the method and the caller's address, never
 * what it presented), so the server can log it.
 */
export function requireToken<H extends grpc.UntypedServiceImplementation>(token: string, handlers: H, onRefused?: (method: string, peer: string) => void): H {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    out[name] = ((call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => {
      const presented = call.metadata.get('authorization')[0];
      if (tokenMatches(typeof presented === 'string' ? presented : undefined, token)) {
        return (handler as (c: AnyCall, cb?: grpc.sendUnaryData<unknown>) => void)(call, callback);
      }
      onRefused?.(name, call.getPeer());
      const status = { code: grpc.status.UNAUTHENTICATED, details: UNAUTHENTICATED_DETAILS, metadata: new grpc.Metadata() };
      if (callback) callback(status, null);
      else (call as grpc.ServerWritableStream<unknown, unknown>).emit('error', status);
    }) as grpc.UntypedHandleCall;
  }
  return out as H;
}

/** Turns a gRPC error into AuthError where the token was the problem, so callers stop retrying. */
export function mapGrpcError(err: unknown, what: string): Error {
  const e = err as grpc.ServiceError;
  if (e && e.code === grpc.status.UNAUTHENTICATED) {
    return new AuthError(`${what}: the cluster refused the token (${e.details}). Check CONVOY_TOKEN or --token-file.`, {
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}

export function bindServer(server: grpc.Server, address: string, tls?: TlsOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, serverCredentials(tls), (err, port) => (err ? reject(listenError(err, address)) : resolve(port)));
  });
}

/**
 * grpc-js reports a failed bind as "No address added out of total 1 resolved errors: [listen EADDRINUSE: …]";
 * the errno inside is what the user can act on.
 */
function listenError(err: Error, address: string): Error {
  const code = /\b(EADDRINUSE|EACCES|EADDRNOTAVAIL)\b/.exec(err.message)?.[1];
  if (code) return new ListenError(address, code);
  if (/No address added|resolved/.test(err.message)) return new ListenError(address, 'unknown', `cannot listen on ${address}: check --host and --port`);
  return err;
}

export { grpc };
