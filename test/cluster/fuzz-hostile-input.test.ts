/**
 * Fuzzing, bounded and repeatable (a fixed seed): random and mutated frames to the data plane through a real
 * server socket, and random and mutated tar.gz archives to the upload path (the head's package store, real
 * files). Each run must end with no crash (every refusal a typed error or a closed socket), no hang (every
 * exchange ends), nothing said to a caller without the token, and nothing written outside the job folder.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readlink, realpath, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadError } from '../../cluster/client/index.ts';
import { extractPackage } from '../../cluster/common/package-extract.ts';
import { PackageStore } from '../../cluster/head/jobs/package-store.ts';
import { DataPlaneClient } from '../../cluster/transport/data-plane-client.ts';
import { DataPlaneServer } from '../../cluster/transport/data-plane-server.ts';
import { decodeResponseHeader, encodeRequest, RESPONSE_HEADER_BYTES } from '../../cluster/transport/data-plane-wire.ts';
import { craftTar, type CraftedEntry } from '../helpers/archives.ts';

const SEED = 0x12c0ffee;
const TOKEN = 'fuzz-token-0123456789';
const MARK = `fuzzmark-${SEED.toString(16)}`;

/** mulberry32: small, seedable, good enough to pick mutations. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!, bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => int(256))) };
}
type Rng = ReturnType<typeof prng>;

function mutate(rng: Rng, b: Buffer): Buffer {
  const out = Buffer.from(b);
  switch (rng.int(6)) {
    case 0: // flip a few bytes
      for (let i = rng.int(4) + 1; i > 0 && out.byteLength; i--) out[rng.int(out.byteLength)] = rng.int(256);
      return out;
    case 1: // cut short
      return out.subarray(0, rng.int(out.byteLength + 1));
    case 2: // garbage after
      return Buffer.concat([out, rng.bytes(rng.int(64) + 1)]);
    case 3: // a 32-bit field somewhere set to something large
      if (out.byteLength >= 4) out.writeUInt32BE(rng.pick([0xffffffff, 0x7fffffff, 0x10000, 16 * 1024 + 1, 0]), rng.int(out.byteLength - 3));
      return out;
    case 4: // a slice repeated
      return Buffer.concat([out, out.subarray(rng.int(out.byteLength + 1))]);
    default:
      return out;
  }
}

describe('fuzzing the data plane', () => {
  let server: DataPlaneServer;
  let port: number;
  const stored: string[] = [];
  beforeAll(async () => {
    const object = Buffer.alloc(4096, 7);
    server = new DataPlaneServer(
      { token: TOKEN, requestTimeoutMs: 300, idleTimeoutMs: 300, name: 'fuzz' },
      { borrow: async (id) => (id === 'known' ? { bytes: object, release: () => undefined } : undefined) },
      {
        // A real store refuses what it cannot hold; so does this one, past 1 MiB.
        allocate: (size) => {
          if (size > 1 << 20) throw new RangeError(`cannot hold ${size} bytes`);
          return new Uint8Array(size);
        },
        store: (id) => void stored.push(id),
      },
    );
    port = await server.listen();
  });
  afterAll(async () => server?.close());

  /** Sends bytes and half-closes; resolves with everything answered once the server closed the connection. */
  const exchange = (request: Buffer) =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const s = net.connect({ port, host: '127.0.0.1' }, () => s.end(request));
      s.on('data', (c) => chunks.push(c));
      s.on('error', () => undefined); // a reset is an answer too: the server dropped us
      s.on('close', () => resolve(Buffer.concat(chunks)));
    });

  it('answers 400 random and mutated frames without crashing or hanging, and nothing to a caller without the token', { timeout: 120_000 }, async () => {
    const rng = prng(SEED);
    const ids = ['known', 'missing', '', 'x'.repeat(2000), MARK];
    const frame = (withToken: boolean) => {
      const op = rng.pick(['get', 'put'] as const);
      const token = withToken ? TOKEN : rng.pick(['', 'wrong', TOKEN.slice(1)]);
      const body = op === 'get' ? { token, objectId: rng.pick(ids), offset: rng.pick([0, 1, 4095, 4096, 4097, -1]) } : { token, objectId: rng.pick(ids), owner: 'o', size: rng.pick([0, 1, 10, 1 << 21]) };
      const req = encodeRequest(op, body as never);
      return op === 'put' ? Buffer.concat([req, rng.bytes(rng.int(24))]) : req;
    };
    let answeredWithoutToken = 0;
    for (let i = 0; i < 400; i++) {
      const kind = rng.int(4);
      const withToken = kind === 3;
      const request = kind === 0 ? rng.bytes(rng.int(256)) : kind === 1 ? Buffer.concat([frame(false), frame(true)]) : mutate(rng, frame(withToken));
      const reply = await exchange(request);
      // Whatever comes back is whole response frames, and a caller that sent no token hears at most "unauthorized".
      let off = 0;
      while (off < reply.byteLength) {
        expect(reply.byteLength - off).toBeGreaterThanOrEqual(RESPONSE_HEADER_BYTES);
        const h = decodeResponseHeader(reply.subarray(off), 'fuzz');
        if (!request.includes(TOKEN)) {
          expect(h.status).toBe('unauthorized');
          answeredWithoutToken++;
        }
        off += RESPONSE_HEADER_BYTES + h.bodyBytes;
      }
      expect(off).toBe(reply.byteLength);
    }
    expect(answeredWithoutToken).toBeGreaterThan(0); // the fuzz did reach the token check
    // Still serving.
    const client = new DataPlaneClient({ token: TOKEN });
    expect((await client.fetch(`127.0.0.1:${port}`, 'known', (n) => new Uint8Array(n))).byteLength).toBe(4096);
    client.close();
    expect(stored.every((id) => typeof id === 'string')).toBe(true);
  });
});

describe('fuzzing the upload path', () => {
  let base: string;
  let root: string;
  let store: PackageStore;
  beforeAll(async () => {
    // base/root is the job folder; nothing may appear in base beside it, nor anywhere a `..` chain could reach.
    base = await mkdtemp(path.join(os.tmpdir(), 'convoy-fuzz-'));
    root = path.join(base, 'jobs');
    store = new PackageStore(path.join(root, 'packages'));
  });
  afterAll(async () => base && rm(base, { recursive: true, force: true }));

  const NAMES = ['a', 'b', 'd', MARK, 'x.txt'];
  // Entry paths mostly plausible (so that many archives get as far as extraction), link targets often not.
  const randomPath = (rng: Rng, odd: number) =>
    Array.from({ length: rng.int(4) + 1 }, () => (rng.next() < odd ? rng.pick(['..', '.', '']) : rng.pick(NAMES))).join('/');

  function randomEntries(rng: Rng): CraftedEntry[] {
    return Array.from({ length: rng.int(8) + 1 }, (): CraftedEntry => {
      const r = rng.next();
      const type = r < 0.4 ? 'File' : r < 0.55 ? 'Directory' : r < 0.95 ? 'SymbolicLink' : rng.pick(['Link', 'FIFO'] as const);
      const p = rng.int(40) === 0 ? `/tmp/${MARK}-abs` : randomPath(rng, 0.02);
      if (type === 'SymbolicLink' || type === 'Link') return { path: p, type, linkpath: rng.int(10) === 0 ? `/tmp/${MARK}-abs` : randomPath(rng, 0.35) };
      return { path: type === 'Directory' ? `${p}/` : p, type, body: type === 'File' ? `${MARK}\n` : undefined };
    });
  }

  function randomArchive(rng: Rng): Buffer {
    const tarBytes = craftTar(randomEntries(rng));
    switch (rng.int(10)) {
      case 0:
        return mutate(rng, zlib.gzipSync(tarBytes));
      case 1:
        return zlib.gzipSync(mutate(rng, tarBytes));
      case 2:
        return rng.bytes(rng.int(2048));
      case 3:
        return zlib.gzipSync(zlib.gzipSync(tarBytes)); // compressed twice
      default:
        return zlib.gzipSync(tarBytes);
    }
  }

  /** Every path under `dir`, links not followed. */
  async function walk(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      out.push(p);
      if (d.isDirectory()) out.push(...(await walk(p)));
    }
    return out;
  }

  it('stores or refuses 150 random and mutated archives with UploadError, and writes nothing outside the job folder', { timeout: 180_000 }, async () => {
    const rng = prng(SEED + 1);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 150; i++) {
      const archive = randomArchive(rng);
      try {
        const { id } = await store.store(Readable.from([archive]));
        accepted++;
        // What was accepted extracts to links that all stay inside.
        const dest = path.join(root, `check-${i}`);
        await extractPackage(store.path(id), dest);
        const realDest = await realpath(dest);
        for (const p of await walk(dest)) {
          const target = await realpath(p).catch(() => undefined);
          if (target) expect(path.relative(realDest, target).startsWith('..'), `${p} -> ${await readlink(p).catch(() => '')}`).toBe(false);
        }
        await rm(dest, { recursive: true });
      } catch (err) {
        expect(err, String(err)).toBeInstanceOf(UploadError);
        refused++;
      }
    }
    if (process.env.CONVOY_FUZZ_REPORT) console.log({ accepted, refused });
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    // Nothing outside: base holds only the job folder, which holds only stored archives (no staging left).
    expect(await readdir(base)).toEqual(['jobs']);
    const left = (await walk(root)).map((p) => path.relative(root, p));
    expect(left.filter((p) => p !== 'packages' && !/^packages\/[0-9a-f]{32}\.tar\.gz$/.test(p))).toEqual([]);
    for (const dir of [os.tmpdir(), '/', path.dirname(base), process.cwd()]) {
      expect((await readdir(dir)).filter((n) => n.includes(MARK)), dir).toEqual([]);
    }
    expect(existsSync(`/tmp/${MARK}-abs`)).toBe(false);
  });
});
