/**
 * Unpacking an uploaded working directory (on the head at upload and at job start, on workers before a task
 * imports from it), as three passes over the archive file, each bounded:
 *
 * 1. check: gunzip as a stream (node:zlib, off the event loop on libuv's pool, pausing when the reader is
 *    behind) into a tar parser that writes nothing. Each entry's declared size counts against the limit as its
 *    header arrives, so a 2 MB gzip holding one 2 GiB file is refused after reading its first 512 bytes, not
 *    after inflating it; the inflated stream as a whole may not pass the limit plus room for tar headers. Paths
 *    that are absolute or hold `..`, entries that are not files, folders or symlinks, a path given twice, and a
 *    path or a link target that runs through an earlier symlink are refused here.
 * 2. extract files and folders with node-tar into `dest`, from the same file through the same limits; then
 *    make the symlinks pass 1 listed. node-tar is not left to make them: it deadlocks (v7.5.23, found by the
 *    fuzz test) on a link whose target string names a folder above it (`a/b -> a`), and never finishes.
 * 3. links: every symlink in the extracted tree is resolved against the real tree (realpath, so chains such as
 *    `m -> d/l/../..` with `d/l -> ..` resolve as the kernel resolves them, not as the strings read) and must
 *    land inside `dest`; a link that does not resolve must point at a missing path below a real folder inside.
 *
 * A refusal is an UploadError naming the entry (UploadTooLargeError with the limit for sizes), and `dest` is
 * removed: nothing is left behind.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readlink, realpath, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { UploadError, UploadTooLargeError } from './errors.ts';
import { DEFAULT_MAX_PACKAGE_BYTES } from './package-archive.ts';

/** The most compressed bytes an upload may send: the contents limit plus headroom for tar framing. */
export const MAX_PACKAGE_ARCHIVE_BYTES = DEFAULT_MAX_PACKAGE_BYTES + 16 * 1024 * 1024;
/** Tar headers and padding allowed in the inflated stream beyond the file contents (at least 512 B an entry). */
const TAR_FRAMING_BYTES = 64 * 1024 * 1024;
const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink']);

export interface ExtractedPackage {
  files: number;
  bytes: number;
}

/** Checks the archive at `archiveFile`, extracts it into `dest` (which must not exist yet), checks its links. */
export async function extractPackage(archiveFile: string, dest: string, maxBytes = DEFAULT_MAX_PACKAGE_BYTES): Promise<ExtractedPackage> {
  const { links, ...counted } = await checkArchive(archiveFile, maxBytes);
  await mkdir(path.dirname(dest), { recursive: true });
  await mkdir(dest, { mode: 0o700 });
  try {
    const problems: string[] = [];
    const unpack = tar.x({
      cwd: dest,
      // Not strict: an entry that fails is reported through onwarn while the others finish, so `dest` is only
      // removed once nothing is being written into it any more.
      strict: false,
      preservePaths: false,
      noChmod: true,
      filter: (_path, entry) => (entry as tar.ReadEntry).type !== 'SymbolicLink',
      onwarn: (code, message, data) => {
        const entry = (data as { entry?: { path?: string } } | undefined)?.entry?.path;
        if (code !== 'TAR_ENTRY_INFO') problems.push(`${entry ? `${entry}: ` : ''}${message}`);
      },
    });
    await pipeline(createReadStream(archiveFile), ...inflate(maxBytes), unpack as unknown as Writable);
    if (problems.length) throw new UploadError(`package could not be extracted: ${summarize(problems)}`);
    await makeLinks(dest, links);
    const escapes = await linksLeaving(dest);
    if (escapes.length) throw new UploadError(`package refused: ${summarize(escapes)}`);
    return counted;
  } catch (err) {
    await rm(dest, { recursive: true, force: true });
    if (err instanceof UploadError) throw err;
    throw new UploadError(`package could not be extracted: ${(err as Error).message}`, { cause: err });
  }
}

interface LinkEntry {
  path: string;
  target: string;
}

/** Pass 1: validates every entry and the sizes without writing anything; lists the symlinks to make. */
async function checkArchive(archiveFile: string, maxBytes: number): Promise<ExtractedPackage & { links: LinkEntry[] }> {
  const problems: string[] = [];
  const seen = new Set<string>();
  const links: LinkEntry[] = [];
  let files = 0;
  let bytes = 0;
  const stages = inflate(maxBytes);
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      const problem = entryProblem(entry, seen, links);
      if (problem) problems.push(problem);
      if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') {
        files++;
        bytes += entry.size ?? 0;
        if (bytes > maxBytes) {
          // Stop at the limit: the rest of the stream is never inflated.
          stages[0].destroy(contentsTooLarge(maxBytes, entry.path));
        }
      }
      entry.resume();
    },
  });
  try {
    await pipeline(createReadStream(archiveFile), ...stages, parser as unknown as Writable);
  } catch (err) {
    if (err instanceof UploadError) throw err;
    throw new UploadError(`package is not a valid gzipped tar archive: ${(err as Error).message}`, { cause: err });
  }
  if (problems.length) throw new UploadError(`package refused: ${summarize(problems)}`);
  return { files, bytes, links };
}

/**
 * Pass 2, links: in archive order, each beside files and folders that are all real (pass 1 refused any path
 * through an earlier link), so making one never writes through another.
 */
async function makeLinks(dest: string, links: LinkEntry[]): Promise<void> {
  for (const l of links) {
    const at = path.join(dest, l.path);
    await mkdir(path.dirname(at), { recursive: true });
    await symlink(l.target, at).catch((err: NodeJS.ErrnoException) => {
      throw new UploadError(`package could not be extracted: ${l.path}: ${err.code === 'EEXIST' ? 'a folder of the same name is in the archive' : err.message}`, { cause: err });
    });
  }
}

/** Streaming gunzip, then a cap on the inflated bytes. */
function inflate(maxBytes: number): [Transform, Transform] {
  const limit = maxBytes + TAR_FRAMING_BYTES;
  return [createGunzip(), new InflatedLimit(limit, maxBytes)];
}

/**
 * Caps the inflated stream, and refuses one that is compressed again inside: node-tar would sniff and inflate
 * that second layer itself, synchronously, out of reach of these limits.
 */
class InflatedLimit extends Transform {
  #seen = 0;
  #head = Buffer.alloc(0);
  constructor(
    private readonly limit: number,
    private readonly maxBytes: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.#head.byteLength < 4) {
      this.#head = Buffer.concat([this.#head, chunk.subarray(0, 4)]).subarray(0, 4);
      if (this.#head.byteLength >= 2 && this.#head[0] === 0x1f && this.#head[1] === 0x8b) return done(new UploadError('package is compressed twice (gzip inside gzip); send one gzipped tar'));
      if (this.#head.byteLength === 4 && this.#head.readUInt32BE(0) === 0x28b52ffd) return done(new UploadError('package holds a zstd stream inside gzip; send one gzipped tar'));
    }
    this.#seen += chunk.byteLength;
    if (this.#seen > this.limit) {
      return done(
        new UploadTooLargeError(this.maxBytes, `package unpacks to more than ${this.limit} bytes of tar data (the upload limit is ${this.maxBytes} bytes of file contents)`),
      );
    }
    done(null, chunk);
  }
}

function contentsTooLarge(maxBytes: number, at: string): UploadTooLargeError {
  return new UploadTooLargeError(maxBytes, `package unpacks to more than the upload limit of ${maxBytes} bytes of file contents (passed at ${at})`);
}

function entryProblem(entry: tar.ReadEntry, seen: Set<string>, links: LinkEntry[]): string | undefined {
  const p = entry.path;
  const norm = path.posix.normalize(p.replace(/\\/g, '/')).replace(/\/+$/, '');
  if (path.posix.isAbsolute(norm) || /^[a-zA-Z]:/.test(p)) return `${p}: absolute path`;
  if (norm === '..' || norm.startsWith('../') || p.split(/[\\/]/).includes('..')) return `${p}: path leaves the working directory`;
  if (!ALLOWED_TYPES.has(entry.type)) return `${p}: ${entry.type} entries are not allowed`;
  if (seen.has(norm)) return `${p}: appears twice in the archive`;
  seen.add(norm);
  const through = links.find((l) => norm.startsWith(`${l.path}/`));
  if (through) return `${p}: is written through the symlink ${through.path}`;
  if (entry.type === 'SymbolicLink') {
    const linkpath = entry.linkpath ?? '';
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(norm), linkpath));
    if (path.posix.isAbsolute(linkpath) || target === '..' || target.startsWith('../')) return `${p}: symlink to ${linkpath} leaves the working directory`;
    // node-tar refuses to create a link whose target runs through a link it made before; say so by name.
    const via = links.find((l) => target === l.path || target.startsWith(`${l.path}/`));
    if (via) return `${p}: symlink to ${linkpath} runs through the symlink ${via.path}`;
    links.push({ path: norm, target: linkpath });
  }
  return undefined;
}

/** Pass 3: every symlink under `root` whose target, resolved in the real tree, is not inside `root`. */
async function linksLeaving(root: string): Promise<string[]> {
  const realRoot = await realpath(root);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const d of await readdir(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(r);
      else if (d.isSymbolicLink()) {
        const problem = await linkProblem(realRoot, path.join(realRoot, r));
        if (problem) out.push(`${r}: symlink to ${await readlink(path.join(root, r))} ${problem}`);
      }
    }
  };
  await walk('');
  return out;
}

async function linkProblem(realRoot: string, link: string): Promise<string | undefined> {
  try {
    const target = await realpath(link);
    return isInside(realRoot, target) ? undefined : `resolves to ${target}, outside the working directory`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return `does not resolve (${code ?? (err as Error).message})`;
  }
  // A link to something not (yet) there: resolve the longest part of its path that exists, as the kernel
  // would, and require that to be a real folder inside; the missing rest may not climb back out with `..`.
  const parts = (await readlink(link)).split('/');
  const missing: string[] = [];
  while (parts.length) {
    missing.unshift(parts.pop()!);
    // Joined as a string, not with path.join, which would fold `x/..` before the kernel follows x.
    const prefix = `${path.dirname(link)}/${parts.join('/')}`;
    let real: string;
    try {
      real = await realpath(prefix);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return `does not resolve (${(err as NodeJS.ErrnoException).code})`;
    }
    if (!isInside(realRoot, real)) return `resolves to ${real}, outside the working directory`;
    if (missing.includes('..')) return 'climbs out of a missing folder with ..';
    return undefined;
  }
  return 'does not resolve';
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function summarize(problems: string[]): string {
  return `${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`;
}
