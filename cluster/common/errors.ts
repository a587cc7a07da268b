/**
 * Convoy's error classes. Each failure a user can act on has its own class, with the data needed to act and
 * the underlying `cause`. Errors that cross a thread, process or gRPC hop travel as {name, message, stack,
 * data} and are rebuilt here from a name → class table, so `instanceof` works on the receiving side.
 */
export class ConvoyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
  /** The data fields that travel with the error (everything but message, stack and cause). */
  toData(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'cause') out[k] = v;
    return out;
  }
}

/** A task threw. `cause` is the task's own error, rebuilt, with the remote stack. */
export class TaskError extends ConvoyError {
  constructor(
    readonly taskId: string,
    readonly functionName: string,
    readonly remoteStack: string,
    cause?: unknown,
    message?: string,
  ) {
    super(message ?? `task ${functionName} (${taskId}) failed: ${errorMessage(cause)}`, { cause });
  }
}

export class TaskTimeoutError extends ConvoyError {
  constructor(readonly taskId: string, readonly timeoutMs: number, message?: string) {
    super(message ?? `task ${taskId} ran longer than its timeoutMs (${timeoutMs} ms) and was stopped`);
  }
}

export class TaskCancelledError extends ConvoyError {
  constructor(readonly taskId: string, message?: string) {
    super(message ?? `task ${taskId} was cancelled`);
  }
}

/** The process running the task died (killed, crashed, out of memory) and no retries were left. */
export class WorkerDiedError extends ConvoyError {
  constructor(readonly nodeId: string, readonly detail: string, message?: string) {
    super(message ?? `worker ${nodeId} died: ${detail}`);
  }
}

/**
 * A worker stopped the task because its node ran short of memory (its memory monitor, like Ray's). A system
 * failure: the owner retries it while maxRetries allows, and this is the error once they are spent.
 */
export class MemoryPressureError extends ConvoyError {
  constructor(readonly taskId: string, readonly nodeId: string, readonly usage: number, readonly threshold: number, message?: string) {
    super(
      message ??
        `task ${taskId} was killed on node ${nodeId} because the node ran short of memory: ${(usage * 100).toFixed(1)}% of its memory was in use, ` +
          `past the memory usage threshold of ${(threshold * 100).toFixed(1)}%. Give the task a larger \`memory\` resource so fewer run on a node at once, ` +
          `or raise the threshold (convoy start --memory-usage-threshold, or CONVOY_MEMORY_USAGE_THRESHOLD)`,
    );
  }
}

export class ActorDiedError extends ConvoyError {
  constructor(readonly actorId: string, readonly detail: string, message?: string) {
    super(message ?? `actor ${actorId} died and will not be restarted: ${detail}`);
  }
}

export class ObjectLostError extends ConvoyError {
  constructor(readonly objectId: string, readonly detail: string, message?: string) {
    super(message ?? `object ${objectId} is lost: ${detail}`);
  }
}

export class OwnerDiedError extends ConvoyError {
  constructor(readonly objectId: string, readonly owner: string, message?: string) {
    super(message ?? `the owner ${owner} of object ${objectId} is gone, so the object cannot be found`);
  }
}

export class GetTimeoutError extends ConvoyError {
  constructor(readonly timeoutMs: number, readonly pending: number, message?: string) {
    super(message ?? `get() timed out after ${timeoutMs} ms with ${pending} object(s) not ready`);
  }
}

export class ClusterClosedError extends ConvoyError {
  constructor(readonly reason = 'the cluster connection was closed', message?: string) {
    super(message ?? reason);
  }
}

/** A placement group was removed (by `remove()`, `convoy placement-groups remove`, or its owner going) or refused. */
export class PlacementGroupRemovedError extends ConvoyError {
  constructor(readonly groupId: string, readonly reason: string, message?: string) {
    super(message ?? `placement group ${groupId} was removed: ${reason}`);
  }
}

/** A placement group was not placed within `ready({ timeoutMs })`; `reason` says what it waits for. */
export class PlacementGroupTimeoutError extends ConvoyError {
  constructor(readonly groupId: string, readonly timeoutMs: number, readonly reason: string, message?: string) {
    super(message ?? `placement group ${groupId} was not placed within ${timeoutMs} ms: ${reason}`);
  }
}

/**
 * A collective operation (allreduce, broadcast, barrier) could not complete on this rank: a peer died, was cut
 * off or stalled past the group's timeout, or called a different operation. The group is broken after it;
 * every later call fails with the same error, and the trainer (or user) re-forms the group.
 */
export class CollectiveError extends ConvoyError {
  constructor(
    readonly group: string,
    readonly rank: number,
    readonly peer: number | undefined,
    readonly reason: string,
    message?: string,
    /**
     * The peer's connection closed (its process died or left). When one rank dies every other rank fails
     * with this, so whoever looks for the cause of a group's end skips these echoes.
     */
    readonly peerLost = false,
  ) {
    super(message ?? `collective group ${JSON.stringify(group)}, rank ${rank}: ${reason}`);
  }
}

/** The cluster token was missing or wrong. Not retried: retrying cannot fix it. */
export class AuthError extends ConvoyError {}

export class ConnectError extends ConvoyError {
  constructor(readonly address: string, detail: string, options?: { cause?: unknown }) {
    // Wrapping a ConnectError for the same address again would only repeat its first words.
    const inner = options?.cause instanceof ConnectError && options.cause.address === address ? options.cause.message : undefined;
    super(inner ?? `could not connect to the Convoy head at ${address}: ${detail}`, options);
  }
}

/**
 * The command line was wrong: an unknown or malformed flag value, a missing key, a date that is not a day.
 * The CLI prints the message as one line and exits with status 2, as for commander's own usage errors.
 */
export class UsageError extends ConvoyError {}

/** A head or worker process this one started did not come up (its own error is in `detail`). */
export class ProcessStartError extends ConvoyError {
  constructor(readonly what: string, readonly detail: string) {
    super(`the ${what} ${detail}`);
  }
}

/** A server could not listen on its address (port in use, privileged port, address not on this machine). */
export class ListenError extends ConvoyError {
  constructor(readonly address: string, readonly code: string, message?: string) {
    super(message ?? `cannot listen on ${address}: ${LISTEN_HINTS[code] ?? code}`);
  }
}

const LISTEN_HINTS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use (another Convoy head or program holds it); pick another port with --port, or stop what holds it',
  EACCES: 'permission denied (ports below 1024 need privileges); pick a port above 1024 with --port',
  EADDRNOTAVAIL: 'that address is not on this machine; use --host 127.0.0.1, 0.0.0.0 or one of its own addresses',
};

/**
 * gRPC status codes (`@grpc/grpc-js` `status`), numbered here so that turning one into words does not load
 * grpc-js (the CLI's error path runs it).
 */
const GRPC = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** A gRPC client error, as grpc-js throws it: `code`, `details` and a message that starts with `CODE NAME:`. */
export function isGrpcStatusError(err: unknown): err is Error & { code: number; details: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number' && typeof (err as { details?: unknown }).details === 'string' && 'metadata' in err;
}

/**
 * What a failed gRPC call to a Convoy head means, in words a user can act on, without grpc-js's own text
 * ("14 UNAVAILABLE: No connection established. Last error: …"). It completes "could not connect to the head
 * at ADDRESS: …" (see ConnectError).
 */
export function grpcFailureDetail(err: { code: number; details?: string }): string {
  const details = err.details ?? '';
  switch (err.code) {
    case GRPC.UNAVAILABLE:
      if (/ECONNREFUSED/.test(details)) return 'connection refused; is it running? (convoy start --head)';
      if (/Name resolution failed|ENOTFOUND|EAI_AGAIN/i.test(details)) return 'the host name does not resolve; check the address (HOST:PORT)';
      if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(details)) return 'no route to it; check the address and the network in between';
      if (/ECONNRESET|socket hang up|Connection dropped|GOAWAY|handshake|SSL|TLS/i.test(details)) return 'it closed the connection; if it uses TLS, pass its CA (--tls-ca)';
      return 'it is not reachable; is it running? (convoy start --head)';
    case GRPC.DEADLINE_EXCEEDED:
      return 'no answer in time; is it running, and reachable from here? (convoy start --head)';
    case GRPC.UNAUTHENTICATED:
      return "it refused the cluster token; pass that head's token (--token-file, CONVOY_TOKEN or CONVOY_TOKEN_FILE)";
    case GRPC.PERMISSION_DENIED:
      return 'it refused the request (permission denied)';
    case GRPC.UNIMPLEMENTED:
      return "it does not speak Convoy's protocol (another program, or another Convoy version); check the address";
    case GRPC.RESOURCE_EXHAUSTED:
      return `it refused the request as too large or too many (${details})`;
    case GRPC.CANCELLED:
      return 'the call was cancelled';
    default:
      return `it answered with an error: ${details || 'no details'}`;
  }
}

export class BackpressureError extends ConvoyError {}

/** A method was called in a state where it cannot run (e.g. submitting on a closed cluster). */
export class IllegalStateError extends ConvoyError {}

/** A job upload was refused (path outside the directory, symlink out of it, too large). */
export class UploadError extends ConvoyError {}

/**
 * What was sent (a request body, or a package once unpacked) is larger than the limit it was checked
 * against; `limitBytes` is that limit. The head answers it with HTTP 413.
 */
export class UploadTooLargeError extends UploadError {
  constructor(readonly limitBytes: number, message: string) {
    super(message);
  }
}

/** A task module or export could not be loaded on the worker. */
export class TaskLoadError extends ConvoyError {}

/**
 * A job's runtime environment cannot be given to it: dependencies without a lockfile, a `file:` dependency
 * missing from the upload, an `npm ci` that failed (with npm's reason), a bad environment variable.
 */
export class RuntimeEnvError extends ConvoyError {}

/**
 * `--store` (or CONVOY_STORE, or a head's `store` option) is not a control store the head can open. The value
 * is shown with any password in it replaced by `***`.
 */
export class ControlStoreSpecError extends ConvoyError {
  constructor(readonly spec: string, detail: string, readonly source = '--store') {
    super(
      `${source} ${JSON.stringify(spec)} ${detail}: give memory, sqlite (the session folder's control.db), sqlite:/path/file.db (or a path ending .db), ` +
        'or redis://[user:password@]host:port[/db][?prefix=name] (rediss:// for TLS)',
    );
  }
}

/**
 * A control store the head cannot use as it is: not a Convoy control store, damaged, written by a newer
 * Convoy, or held by another head (the head refuses it rather than start over it); or one that stopped
 * taking writes (disk full), whose rows then wait in the head's memory and are retried. `location` is what
 * the message names: `file /path/control.db`, or `at redis://host:port/db?prefix=name` (no password).
 */
export class ControlStoreContentError extends ConvoyError {
  constructor(
    readonly location: string,
    readonly problem: 'foreign' | 'corrupt' | 'newer' | 'locked' | 'unreadable' | 'unwritable',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`the control store ${location} ${detail}`, options);
  }
}

/** A SQLite control store file the head cannot use (see ControlStoreContentError); `file` is its path. */
export class ControlStoreFileError extends ControlStoreContentError {
  constructor(
    readonly file: string,
    problem: ControlStoreContentError['problem'],
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`file ${file}`, problem, detail, options);
  }
}

/**
 * A Redis control store could not be reached (at start, or for longer than a flush may wait). `url` has no
 * password. Writes made meanwhile stay queued in the head and go out when the server answers again.
 */
export class ControlStoreUnavailableError extends ConvoyError {
  constructor(readonly url: string, detail: string, options?: { cause?: unknown }) {
    super(`the control store at ${url} ${detail}`, options);
  }
}

const HOW_TO_FIND_NODES = 'give a node id, a unique prefix of one, or a node address (host:port): `convoy status` lists them';

/** A node named on the command line or in a request (`convoy drain NODE`) is not in the cluster. */
export class UnknownNodeError extends ConvoyError {
  constructor(readonly query: string, message?: string) {
    super(message ?? `no node matches ${JSON.stringify(query)}; ${HOW_TO_FIND_NODES}`);
  }
}

/** A node query matched more than one node. */
export class AmbiguousNodeError extends ConvoyError {
  constructor(readonly query: string, readonly matches: readonly string[], message?: string) {
    super(message ?? `${JSON.stringify(query)} matches ${matches.length} nodes (${matches.join(', ')}); ${HOW_TO_FIND_NODES}`);
  }
}

/**
 * `convoy logs` found nothing to show: no node holds lines of that task or actor, or the node whose log was
 * asked for is dead (its files stay on its machine, which the head no longer reaches).
 */
export class LogNotFoundError extends ConvoyError {
  constructor(readonly what: string, message: string) {
    super(message);
  }
}

export interface SerializedError {
  name: string;
  message: string;
  stack: string;
  data?: Record<string, unknown>;
  cause?: SerializedError;
}

const classes: Record<string, new (...args: never[]) => Error> = {
  ConvoyError,
  TaskError,
  TaskTimeoutError,
  TaskCancelledError,
  WorkerDiedError,
  MemoryPressureError,
  ActorDiedError,
  ObjectLostError,
  OwnerDiedError,
  GetTimeoutError,
  ClusterClosedError,
  AuthError,
  ConnectError,
  BackpressureError,
  IllegalStateError,
  UploadError,
  UploadTooLargeError,
  TaskLoadError,
  RuntimeEnvError,
  UsageError,
  ProcessStartError,
  ListenError,
  ControlStoreSpecError,
  ControlStoreContentError,
  ControlStoreFileError,
  ControlStoreUnavailableError,
  UnknownNodeError,
  AmbiguousNodeError,
  LogNotFoundError,
  PlacementGroupRemovedError,
  PlacementGroupTimeoutError,
  CollectiveError,
};

const builtins: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Lets a library (e.g. the traffic sources) make its own errors survive a hop: `registerError(RateLimitedError)`. */
export function registerError(cls: new (...args: never[]) => Error): void {
  classes[cls.name] = cls;
}

export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) {
    return { name: 'Error', message: `non-error value thrown: ${safeString(err)}`, stack: '' };
  }
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k === 'cause' || typeof v === 'function') continue;
    data[k] = v;
  }
  const out: SerializedError = { name: err.name, message: err.message, stack: err.stack ?? '', data };
  if (err.cause !== undefined && depth < 8) out.cause = serializeError(err.cause, depth + 1);
  return out;
}

/** Rebuilds an error of the right class where it is known, else a plain Error carrying the original name. */
export function deserializeError(e: SerializedError): Error {
  const cause = e.cause ? deserializeError(e.cause) : undefined;
  const cls = classes[e.name] ?? builtins[e.name];
  let err: Error;
  if (cls) {
    err = Object.create(cls.prototype) as Error;
    Object.defineProperty(err, 'message', { value: e.message, writable: true, configurable: true });
  } else {
    err = new Error(e.message);
  }
  Object.defineProperty(err, 'name', { value: e.name, writable: true, configurable: true });
  Object.defineProperty(err, 'stack', { value: e.stack, writable: true, configurable: true });
  if (cause) Object.defineProperty(err, 'cause', { value: cause, writable: true, configurable: true });
  Object.assign(err, e.data ?? {});
  return err;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : safeString(err);
}

function safeString(v: unknown): string {
  try {
    return typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A head cannot take over the control store it was given (another cluster's state, under another token). */
export class HeadResumeError extends ConvoyError {}
