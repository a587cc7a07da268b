/**
 * Shared plumbing for Convoy's long-running processes (head, worker): options arrive as base64 JSON in argv
 * (secrets come through the environment, never argv, which `ps` shows), readiness is announced over the IPC
 * channel when there is one and as a `CONVOY_READY {json}` line on stdout otherwise, and SIGTERM/SIGINT or the
 * parent going away close the process cleanly.
 */
export function readEntryOptions<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new TypeError('missing options argument (base64 JSON)');
  return JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as T;
}

export function encodeEntryOptions(opts: unknown): string {
  return Buffer.from(JSON.stringify(opts)).toString('base64url');
}

export function announceReady(info: Record<string, unknown>): void {
  if (process.send) process.send({ type: 'ready', ...info });
  else process.stdout.write(`CONVOY_READY ${JSON.stringify(info)}\n`);
}

export function announceFailure(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  if (process.send) process.send({ type: 'failed', message });
  process.stderr.write(`CONVOY_FAILED ${message}\n`);
}

/** Runs `close` once on SIGTERM, SIGINT or (when `dieWithParent`) the parent's IPC channel closing, then exits. */
export function closeOnSignals(close: () => Promise<void>, dieWithParent: boolean): void {
  let closing = false;
  const stop = (code: number) => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(code), 5000);
    force.unref();
    close().finally(() => process.exit(code));
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  if (dieWithParent) process.on('disconnect', () => stop(0));
}
