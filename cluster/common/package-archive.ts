/**
 * Job working directories travel as gzipped tarballs, like Ray's runtime_env `working_dir`.
 *
 * Packing (client side) honours .gitignore files, skips `.git` and `node_modules`, refuses symlinks that
 * point out of the directory and enforces a size limit. Unpacking (head and workers, package-extract.ts)
 * checks every entry again, because an archive can be crafted by hand.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, readlink, realpath, symlink } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import * as tar from 'tar';
import { UploadError } from './errors.ts';

/** @default 100 MiB of file contents */
export const DEFAULT_MAX_PACKAGE_BYTES = 100 * 1024 * 1024;
const ALWAYS_SKIPPED = new Set(['.git', 'node_modules']);

export interface PackedDirectory {
  /** sha256 of the archive: the same directory content always gets the same id, so uploads are cached. */
  readonly id: string;
  readonly archive: Buffer;
  readonly files: number;
  readonly bytes: number;
}

export async function packDirectory(dir: string, maxBytes = DEFAULT_MAX_PACKAGE_BYTES): Promise<PackedDirectory> {
  const root = await realpath(dir).catch((err) => {
    throw new UploadError(`working directory ${dir} does not exist or cannot be read: ${(err as Error).message}`);
  });
  const files: string[] = [];
  let bytes = 0;
  const sizes: { file: string; size: number }[] = [];

  const walk = async (rel: string, rules: { base: string; ig: Ignore }[]): Promise<void> => {
    const abs = path.join(root, rel);
    const names = (await readdir(abs)).sort();
    const local = names.includes('.gitignore')
      ? [...rules, { base: rel, ig: ignore().add(await readFile(path.join(abs, '.gitignore'), 'utf8')) }]
      : rules;
    for (const name of names) {
      if (ALWAYS_SKIPPED.has(name)) continue;
      const relPath = rel ? `${rel}/${name}` : name;
      const st = await lstat(path.join(root, relPath));
      const probe = st.isDirectory() ? `${relPath}/` : relPath;
      if (local.some((r) => r.ig.ignores(r.base ? path.posix.relative(r.base, probe) : probe))) continue;
      if (st.isSymbolicLink()) {
        const target = await realpath(path.join(root, relPath)).catch(() => undefined);
        if (!target || !isInside(root, target)) {
          throw new UploadError(
            `${relPath} is a symlink to ${await readlink(path.join(root, relPath))}, outside the working directory ${dir}; ` +
              `copy the file in or add it to .gitignore`,
          );
        }
        files.push(relPath);
      } else if (st.isDirectory()) {
        await walk(relPath, local);
      } else if (st.isFile()) {
        files.push(relPath);
        bytes += st.size;
        sizes.push({ file: relPath, size: st.size });
        if (bytes > maxBytes) {
          const biggest = sizes.sort((a, b) => b.size - a.size).slice(0, 3).map((s) => `${s.file} (${s.size} B)`);
          throw new UploadError(
            `working directory ${dir} is larger than the upload limit of ${maxBytes} bytes; biggest files: ` +
              `${biggest.join(', ')}. Add data to .gitignore and read it from the lake or object storage instead.`,
          );
        }
      }
    }
  };
  await walk('', []);

  const chunks: Buffer[] = [];
  const stream = tar.create({ gzip: true, cwd: root, portable: true, follow: false, noDirRecurse: true }, files);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const archive = Buffer.concat(chunks);
  return { id: createHash('sha256').update(archive).digest('hex').slice(0, 32), archive, files: files.length, bytes };
}

/**
 * Lets job code `import 'convoy'` without installing it: links `node_modules/convoy` in the extracted
 * directory to this installation, unless the package brought its own.
 */
export async function linkConvoyInto(dir: string, convoyRoot: string): Promise<void> {
  const target = path.join(dir, 'node_modules', 'convoy');
  if (await lstat(target).catch(() => undefined)) return;
  await mkdir(path.dirname(target), { recursive: true });
  await symlink(convoyRoot, target, 'dir').catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
