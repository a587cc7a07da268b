/**
 * Following a job's log file as it grows. A job's driver writes its log itself, through its supervisor, not
 * through the head (so it keeps writing while no head is alive), so a head that streams the log reads the
 * file: from the start, then what is appended as fs.watch reports it (with a slow poll for what it misses),
 * until told the job has ended, when it reads the rest and ends. Each byte is delivered once, in order.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';

/** How often the file is read in case fs.watch missed a change. */
const POLL_MS = 500;
const CHUNK_BYTES = 64 * 1024;

export class LogTail {
  #offset = 0;
  /** Reads run one after another: each continues where the last stopped. */
  #reads: Promise<void> = Promise.resolve();
  #queued = false;
  #closed = false;
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly onChunk: (chunk: Buffer | null) => void,
  ) {}

  /** Delivers what the file holds, then follows it until `end()` or `close()`. */
  start(): void {
    try {
      this.#watcher = watch(this.file, () => this.#readSoon());
      this.#watcher.on('error', () => undefined);
    } catch {
      // not there yet, or not watchable: the poll reads it
    }
    this.#poll = setInterval(() => this.#readSoon(), POLL_MS);
    this.#poll.unref();
    this.#readSoon();
  }

  /** Delivers the rest of the file, then the end (`onChunk(null)`). */
  async end(): Promise<void> {
    if (this.#closed) return;
    this.#stopWatching();
    this.#reads = this.#reads.then(() => this.#readToEnd());
    await this.#reads;
    if (this.#closed) return;
    this.#closed = true;
    this.onChunk(null);
  }

  /** Stops delivering (the reader went away). */
  close(): void {
    this.#closed = true;
    this.#stopWatching();
  }

  #stopWatching(): void {
    this.#watcher?.close();
    clearInterval(this.#poll);
  }

  #readSoon(): void {
    if (this.#queued || this.#closed) return;
    this.#queued = true;
    this.#reads = this.#reads.then(() => {
      this.#queued = false;
      return this.#readToEnd();
    });
  }

  async #readToEnd(): Promise<void> {
    const fh = await open(this.file, 'r').catch(() => undefined);
    if (!fh) return;
    try {
      const buf = Buffer.alloc(CHUNK_BYTES);
      while (!this.#closed) {
        const { bytesRead } = await fh.read(buf, 0, CHUNK_BYTES, this.#offset);
        if (bytesRead === 0) return;
        this.#offset += bytesRead;
        this.onChunk(Buffer.from(buf.subarray(0, bytesRead)));
      }
    } finally {
      await fh.close();
    }
  }
}
