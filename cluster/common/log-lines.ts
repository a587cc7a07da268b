/**
 * Lines of a log file, for `convoy logs`: the last N (optionally only those a filter keeps), read backwards
 * from the end in chunks so a tail of a large file costs what the tail holds, and then the lines appended
 * after, polled as the file grows (fs.watch is not reliable on every file system; a short poll is). Both are
 * bounded: a tail reads at most MAX_SCAN_BYTES back, a line longer than MAX_LINE_BYTES is cut.
 *
 * The head reads its own log this way and each worker its node log and its tasks' output; neither takes a
 * path from a request (see worker/log-files.ts).
 */
import { open, stat } from 'node:fs/promises';

const CHUNK_BYTES = 64 * 1024;
/** A tail looks at most this far back from the end (a filter that matches little would read it all). */
export const MAX_SCAN_BYTES = 64 * 1024 * 1024;
/** Longer lines are cut to this (a task that prints a megabyte without a newline). */
export const MAX_LINE_BYTES = 16 * 1024;
/** How often a follower looks for new lines. */
const FOLLOW_POLL_MS = 250;

export interface TailResult {
  readonly lines: string[];
  /** The scan stopped at MAX_SCAN_BYTES before the start of the file, with fewer lines than asked. */
  readonly truncated: boolean;
  /** Byte offset just past the last complete line read: a follower starts here. */
  readonly end: number;
}

/** The last `tail` lines of `file` that `keep` accepts (all lines when no filter). A missing file has none. */
export async function tailLines(file: string, tail: number, keep?: (line: string) => boolean): Promise<TailResult> {
  const fh = await open(file, 'r').catch(() => undefined);
  if (!fh) return { lines: [], truncated: false, end: 0 };
  try {
    const size = (await fh.stat()).size;
    const found: string[] = [];
    let pos = size;
    let carry = Buffer.alloc(0);
    // Bytes after the last newline belong to a line still being written: the follower reads it once whole.
    let end = size;
    let first = true;
    while (pos > 0 && found.length < tail && size - pos < MAX_SCAN_BYTES) {
      const len = Math.min(CHUNK_BYTES, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, pos);
      let block = Buffer.concat([buf, carry]);
      if (first) {
        first = false;
        const nl = block.lastIndexOf(0x0a);
        end = nl < 0 ? pos : pos + nl + 1;
        block = nl < 0 ? Buffer.alloc(0) : block.subarray(0, nl + 1);
        if (nl < 0) {
          carry = Buffer.alloc(0);
          continue;
        }
      }
      // Complete lines are those after the first newline of the block (or all of it at the file's start).
      const cut = pos === 0 ? -1 : block.indexOf(0x0a);
      carry = cut < 0 ? Buffer.alloc(0) : Buffer.from(block.subarray(0, cut + 1));
      const text = block.subarray(cut + 1).toString('utf8');
      const lines = text.split('\n');
      lines.pop(); // after the last newline
      for (let i = lines.length - 1; i >= 0 && found.length < tail; i--) {
        const line = cutLine(lines[i]!);
        if (line && (!keep || keep(line))) found.push(line);
      }
    }
    const truncated = found.length < tail && pos > 0;
    return { lines: found.reverse(), truncated, end };
  } finally {
    await fh.close();
  }
}

/** Follows `file` from byte `from`: each batch of new complete lines `keep` accepts goes to `onLines`. */
export class LineFollower {
  #offset: number;
  #partial = '';
  #timer: NodeJS.Timeout | undefined;
  #reading = false;
  #closed = false;

  constructor(
    private readonly file: string,
    from: number,
    private readonly onLines: (lines: string[]) => void,
    private readonly keep?: (line: string) => boolean,
  ) {
    this.#offset = from;
  }

  start(): this {
    this.#timer = setInterval(() => void this.#read(), FOLLOW_POLL_MS);
    this.#timer.unref();
    void this.#read();
    return this;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  async #read(): Promise<void> {
    if (this.#reading || this.#closed) return;
    this.#reading = true;
    try {
      const size = await stat(this.file).then((s) => s.size, () => 0);
      // The file was replaced or truncated (a restarted process started it again): read it from its start.
      if (size < this.#offset) {
        this.#offset = 0;
        this.#partial = '';
      }
      if (size === this.#offset) return;
      const fh = await open(this.file, 'r');
      try {
        while (!this.#closed && this.#offset < size) {
          const len = Math.min(CHUNK_BYTES, size - this.#offset);
          const buf = Buffer.alloc(len);
          const { bytesRead } = await fh.read(buf, 0, len, this.#offset);
          if (bytesRead === 0) break;
          this.#offset += bytesRead;
          const parts = (this.#partial + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
          this.#partial = parts.pop()!.slice(0, MAX_LINE_BYTES * 2);
          const lines = parts.map(cutLine).filter((l) => l && (!this.keep || this.keep(l)));
          if (lines.length && !this.#closed) this.onLines(lines);
        }
      } finally {
        await fh.close();
      }
    } catch {
      // gone between stat and open: the next poll looks again
    } finally {
      this.#reading = false;
    }
  }
}

function cutLine(line: string): string {
  return line.length > MAX_LINE_BYTES ? `${line.slice(0, MAX_LINE_BYTES)}… (cut, ${line.length - MAX_LINE_BYTES} more characters)` : line;
}
