/**
 * A child process a bench drives by request and reply: a Python peer (Dask) or one of several Node clients.
 *
 * The protocol is JSON lines prefixed with `@bench ` on stdin and stdout, so stray prints of the child (a
 * library's warning on stdout) cannot be mistaken for a reply. The child announces readiness with a first
 * message, then answers each request with one reply, in order. Any child stderr is kept (the last few KiB) to
 * explain a failure, and never printed otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export const PROTOCOL_PREFIX = '@bench ';

export class PeerProcessError extends Error {
  override readonly name = 'PeerProcessError';
  constructor(
    message: string,
    /** What the child is, e.g. "dask peer". */
    readonly peer: string,
    /** The end of the child's stderr, to see why it failed. */
    readonly stderrTail: string,
    options?: { cause?: unknown },
  ) {
    super(stderrTail ? `${message}\n--- last lines of its stderr ---\n${stderrTail}` : message, options);
  }
}

export interface PeerProcessOptions {
  /** Names the child in errors. */
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How long the child may take to send its first message. @default 120_000 */
  readyTimeoutMs?: number;
}

type Waiter = { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void };

export class PeerProcess {
  readonly #child: ChildProcess;
  readonly #name: string;
  readonly #waiters: Waiter[] = [];
  readonly #early: Record<string, unknown>[] = [];
  #stderr = '';
  #exited: Error | undefined;
  #closing: Promise<void> | undefined;

  private constructor(child: ChildProcess, name: string) {
    this.#child = child;
    this.#name = name;
    child.stderr!.on('data', (b: Buffer) => (this.#stderr = (this.#stderr + b.toString()).slice(-4096)));
    createInterface({ input: child.stdout! }).on('line', (line) => this.#onLine(line));
    child.on('error', (err) => this.#fail(new PeerProcessError(`${name} could not run: ${err.message}`, name, '', { cause: err })));
    child.on('exit', (code, signal) =>
      this.#fail(new PeerProcessError(`${name} exited (${signal ?? `code ${code}`}) while the bench still needed it`, name, this.#stderr.trim())),
    );
    // A closed stdin (child gone) must reach #fail through 'exit', not crash the bench as an unhandled EPIPE.
    child.stdin!.on('error', () => undefined);
  }

  /** Starts the child and waits for its first message (its "ready"), which is returned. */
  static async start(opts: PeerProcessOptions): Promise<{ peer: PeerProcess; ready: Record<string, unknown> }> {
    const child = spawn(opts.command, [...opts.args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new PeerProcess(child, opts.name);
    try {
      const ready = await peer.#next(opts.readyTimeoutMs ?? 120_000, 'to start');
      return { peer, ready };
    } catch (err) {
      await peer.close();
      throw err;
    }
  }

  get name(): string {
    return this.#name;
  }

  /** Sends one request without waiting (several peers can then be released at once). */
  send(message: Record<string, unknown>): void {
    if (this.#exited) throw this.#exited;
    this.#child.stdin!.write(`${PROTOCOL_PREFIX}${JSON.stringify(message)}\n`);
  }

  /** The next reply, within `timeoutMs`. */
  reply(timeoutMs: number, what = 'to reply'): Promise<Record<string, unknown>> {
    return this.#next(timeoutMs, what);
  }

  async request(message: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    this.send(message);
    return this.#next(timeoutMs, `to answer ${JSON.stringify(message)}`);
  }

  #next(timeoutMs: number, what: string): Promise<Record<string, unknown>> {
    return this.#raw(timeoutMs, what).then((m) => checkReply(m, this.#name));
  }

  #raw(timeoutMs: number, what: string): Promise<Record<string, unknown>> {
    const early = this.#early.shift();
    if (early) return Promise.resolve(early);
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new PeerProcessError(`${this.#name} took longer than ${timeoutMs} ms ${what}`, this.#name, this.#stderr.trim()));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  #onLine(line: string): void {
    if (!line.startsWith(PROTOCOL_PREFIX)) return;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line.slice(PROTOCOL_PREFIX.length)) as Record<string, unknown>;
    } catch {
      msg = { error: `unparseable reply: ${line.slice(0, 200)}` };
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(msg);
    else this.#early.push(msg);
  }

  #fail(err: Error): void {
    if (this.#exited) return;
    this.#exited = err;
    for (const w of this.#waiters.splice(0)) w.reject(err);
  }

  /** Ends the child: stdin closed (its cue to clean up), then SIGTERM, then SIGKILL. Idempotent: one shared promise. */
  close(graceMs = 5000): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    const child = this.#child;
    this.#fail(new PeerProcessError(`${this.#name} was closed`, this.#name, ''));
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin!.end();
    const term = setTimeout(() => child.kill('SIGTERM'), graceMs);
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs * 2);
    await exited;
    clearTimeout(term);
    clearTimeout(kill);
  }
}

/** A reply `{error}` is the child's way to say a request failed. */
function checkReply(m: Record<string, unknown>, name: string): Record<string, unknown> {
  if (typeof m.error === 'string') throw new PeerProcessError(`${name} failed: ${m.error}`, name, '');
  return m;
}

/** Child side: reads requests, writes replies (for Node children; Python peers do the same by hand). */
export function serveRequests(handle: (msg: Record<string, unknown>) => Promise<Record<string, unknown>>, onEnd: () => Promise<void>): void {
  const write = (m: Record<string, unknown>): void => void process.stdout.write(`${PROTOCOL_PREFIX}${JSON.stringify(m)}\n`);
  let chain: Promise<void> = Promise.resolve();
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (!line.startsWith(PROTOCOL_PREFIX)) return;
    const msg = JSON.parse(line.slice(PROTOCOL_PREFIX.length)) as Record<string, unknown>;
    chain = chain.then(() => handle(msg).then(write, (err: Error) => write({ error: err.stack ?? err.message })));
  });
  rl.on('close', () => void chain.then(onEnd));
}

export function sendReady(message: Record<string, unknown>): void {
  process.stdout.write(`${PROTOCOL_PREFIX}${JSON.stringify(message)}\n`);
}
