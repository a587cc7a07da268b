/**
 * Hand-made upload archives for attack tests: tarballs whose entries no packer would write (links through
 * links, files through links, paths given twice), and a gzip bomb.
 */
import zlib from 'node:zlib';
import * as tar from 'tar';

export interface CraftedEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'FIFO';
  linkpath?: string;
  body?: string | Buffer;
}

/** The raw (uncompressed) tar stream of `entries`, with the two zero blocks that end an archive. */
export function craftTar(entries: CraftedEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const type = e.type ?? 'File';
    const h = new tar.Header({ path: e.path, type, linkpath: e.linkpath, size: type === 'File' ? body.byteLength : 0, mode: type === 'Directory' ? 0o755 : 0o644, mtime: new Date(0) });
    h.encode();
    blocks.push(h.block!);
    if (type === 'File' && body.byteLength) blocks.push(body, Buffer.alloc((512 - (body.byteLength % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function craftArchive(entries: CraftedEntry[]): Buffer {
  return zlib.gzipSync(craftTar(entries));
}

/**
 * A valid gzipped tar holding one file of `fileBytes` zeros (2 GiB makes about 2 MB of gzip), built without
 * inflating anything: deflate segments ending in a full flush are self-contained, so one 16 MiB segment of
 * zeros is compressed once and repeated; the CRC is computed over the zeros as they would be read.
 */
export function gzipBomb(fileBytes = 2 ** 31, name = 'zeros.bin'): Buffer {
  const SEG = 16 * 1024 * 1024;
  if (fileBytes % SEG !== 0) throw new RangeError(`fileBytes must be a multiple of ${SEG}`);
  const header = new tar.Header({ path: name, type: 'File', size: fileBytes, mode: 0o644, mtime: new Date(0) });
  header.encode();
  const flush = { finishFlush: zlib.constants.Z_FULL_FLUSH, level: 9 };
  const zeros = Buffer.alloc(SEG);
  const zeroSegment = zlib.deflateRawSync(zeros, flush);
  const end = Buffer.alloc(1024); // the archive's two end blocks
  const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), zlib.deflateRawSync(header.block!, flush)];
  let crc = zlib.crc32(header.block!);
  for (let i = 0; i < fileBytes / SEG; i++) {
    parts.push(zeroSegment);
    crc = zlib.crc32(zeros, crc);
  }
  parts.push(zlib.deflateRawSync(end)); // Z_FINISH: the final block
  crc = zlib.crc32(end, crc);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE((512 + fileBytes + 1024) % 2 ** 32, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}
