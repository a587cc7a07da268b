/**
 * Bodies and uploads over their limits: a gzip bomb, a package that unpacks past the limit, and oversized
 * request bodies on any route. Each is refused with 413 naming the limit (not a connection reset), the head
 * never holds more than the limit, it keeps answering and keeps its workers while it refuses, and nothing is
 * left in its package folder.
 */
import { readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PACKAGE_BYTES } from '../../cluster/common/package-archive.ts';
import { MAX_PACKAGE_ARCHIVE_BYTES } from '../../cluster/common/package-extract.ts';
import { craftTar, gzipBomb } from '../helpers/archives.ts';
import { eventually, startTestCluster, type TestCluster } from '../helpers/cluster.ts';

let t: TestCluster;
let base: string;
let auth: Record<string, string>;
const MiB = 1024 * 1024;
let bomb: Buffer;
let manyFiles: Buffer;

beforeAll(async () => {
  // Built before any request, and off this thread where it can be: a test process busy for seconds would
  // reuse keep-alive sockets the head has meanwhile closed.
  bomb = gzipBomb(2 ** 31);
  // 160 files of 1 MiB of zeros: about 160 KB of gzip, 160 MiB unpacked.
  const oneMiB = Buffer.alloc(MiB);
  const entries = Array.from({ length: 160 }, (_, i) => ({ path: `data/part-${String(i).padStart(3, '0')}.bin`, body: oneMiB }));
  manyFiles = await promisify(zlib.gzip)(craftTar(entries), { level: 9 });
  t = await startTestCluster({ workers: 2, cpusPerWorker: 1 });
  base = `http://${t.local.httpAddress}`;
  auth = { authorization: `Bearer ${t.local.token}` };
});
afterAll(async () => t?.stop());

interface Status {
  nodes: { nodeId: string; state: string }[];
}
const status = async () => (await (await fetch(`${base}/api/status`, { headers: auth })).json()) as Status;
const packagesDir = () => path.join(t.local.sessionDir, 'jobs', 'packages');

/**
 * Uploads `archive` while polling /api/status (each poll must be answered) and returns the upload's answer
 * with every poll's alive-node ids.
 */
async function uploadWhilePolling(archive: Buffer): Promise<{ status: number; body: { error: string; limitBytes?: number }; polls: string[][] }> {
  const polls: string[][] = [];
  let uploading = true;
  const poller = (async () => {
    while (uploading) polls.push((await status()).nodes.filter((n) => n.state === 'alive').map((n) => n.nodeId).sort());
  })();
  try {
    const res = await fetch(`${base}/api/packages`, { method: 'POST', headers: { ...auth, 'content-type': 'application/gzip' }, body: archive });
    return { status: res.status, body: (await res.json()) as { error: string; limitBytes?: number }, polls };
  } finally {
    uploading = false;
    await poller;
  }
}

interface Refusal {
  msg: string;
  status: number;
  path: string;
  limit: number;
  declared?: number;
  bytesRead: number;
  bytesBuffered: number;
}

/** The head's log lines for refused requests, once `ready` holds for them (the head log is written asynchronously). */
async function refusals(ready: (lines: Refusal[]) => boolean): Promise<Refusal[]> {
  const file = path.join(t.local.sessionDir, 'logs', 'head.log');
  let lines: Refusal[] = [];
  await eventually(async () => {
    lines = (await readFile(file, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Refusal)
      .filter((l) => l.msg === 'http request refused' && l.status === 413);
    return ready(lines);
  }, 20_000, 'the logged 413 refusals');
  return lines;
}

/** A raw request that writes `chunks` as a chunked body, and resolves with the status and body (or the socket error). */
function chunkedPost(route: string, headers: Record<string, string>, chunks: number, chunkBytes: number): Promise<{ status?: number; body?: string; error?: string; written: number }> {
  return new Promise((resolve) => {
    let written = 0;
    // A connection of its own: a kept-alive one the server is closing (after an earlier refusal) would hang up.
    const req = http.request(`${base}${route}`, { method: 'POST', agent: false, headers: { ...auth, ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body, written }));
    });
    req.on('error', (e) => resolve({ error: e.message, written }));
    const chunk = Buffer.alloc(chunkBytes, 0x20);
    const pump = () => {
      while (written < chunks * chunkBytes) {
        written += chunkBytes;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/**
 * A POST that declares `declared` bytes and sends only the first 64 KiB: a body refused on its declared length
 * is answered before it is read, and a client still writing a large body into a connection the server closes
 * meets EPIPE before it reads the answer (undici's fetch then fails), so this one stops writing and listens.
 */
function declaredPost(route: string, headers: Record<string, string>, declared: number): Promise<{ status?: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${route}`, { method: 'POST', agent: false, headers: { ...auth, ...headers, 'content-length': String(declared) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ status: res.statusCode, body });
        req.destroy();
      });
    });
    req.on('error', (e) => reject(e));
    req.write(Buffer.alloc(Math.min(declared, 64 * 1024)));
  });
}

describe('upload and body limits', () => {
  it('refuses a 2 MB gzip bomb holding one 2 GiB file with 413 at its first header, answering status and keeping its workers meanwhile', async () => {
    expect(bomb.byteLength).toBeLessThan(3 * MiB);
    const nodesBefore = (await status()).nodes.map((n) => n.nodeId).sort();
    expect(nodesBefore).toHaveLength(2);
    const before = await readdir(packagesDir());
    const r = await uploadWhilePolling(bomb);
    expect(r.status).toBe(413);
    expect(r.body.error).toMatch(new RegExp(`upload limit of ${DEFAULT_MAX_PACKAGE_BYTES} bytes of file contents \\(passed at zeros\\.bin\\)`));
    expect(r.body.limitBytes).toBe(DEFAULT_MAX_PACKAGE_BYTES);
    for (const alive of r.polls) expect(alive).toEqual(nodesBefore);
    const after = await status();
    expect(after.nodes.filter((n) => n.state === 'alive').map((n) => n.nodeId).sort()).toEqual(nodesBefore);
    expect(await readdir(packagesDir())).toEqual(before);
  });

  it('refuses a package of many small files that unpacks past the limit, streaming, while status is answered and workers stay alive', async () => {
    const nodesBefore = (await status()).nodes.map((n) => n.nodeId).sort();
    const before = await readdir(packagesDir());
    const r = await uploadWhilePolling(manyFiles);
    expect(r.status).toBe(413);
    expect(r.body.error).toMatch(/upload limit of 104857600 bytes of file contents \(passed at data\/part-100\.bin\)/);
    for (const alive of r.polls) expect(alive).toEqual(nodesBefore);
    expect((await status()).nodes.filter((n) => n.state === 'alive').map((n) => n.nodeId).sort()).toEqual(nodesBefore);
    expect(await readdir(packagesDir())).toEqual(before); // no archive, no staging folder
  });

  it('answers an oversized body with 413 and the limit instead of a reset, without reading or holding past the limit', async () => {
    // Declared too large: refused before a byte of it is read.
    const big = await fetch(`${base}/api/jobs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: Buffer.alloc(2 * MiB, 0x20) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toBe('request body above the limit of 1048576 bytes (1 MiB)');
    // Sent without a length: read up to the limit, then dropped while the 413 goes out.
    // 1.5 MiB: past the limit, within what the head drains after a refusal (more would be cut, racing the 413).
    const chunked = await chunkedPost('/api/jobs', { 'content-type': 'application/json' }, 24, 64 * 1024);
    expect(chunked.error).toBeUndefined();
    expect(chunked.status).toBe(413);
    expect(chunked.body).toMatch(/above the limit of 1048576 bytes/);
    // A package upload declared over the archive limit, and a route that takes no body.
    const pkg = await declaredPost('/api/packages', { 'content-type': 'application/gzip' }, MAX_PACKAGE_ARCHIVE_BYTES + 1);
    expect(pkg.status).toBe(413);
    expect((JSON.parse(pkg.body) as { error: string }).error).toMatch(new RegExp(`above the limit of ${MAX_PACKAGE_ARCHIVE_BYTES} bytes`));
    const stop = await declaredPost('/api/jobs/job_x/stop', { 'content-type': 'application/json' }, MiB);
    expect(stop.status).toBe(413);

    const declaredJson = (l: Refusal) => l.path === '/api/jobs' && l.declared === 2 * MiB;
    const streamedJson = (l: Refusal) => l.path === '/api/jobs' && l.declared === undefined;
    const declaredPackage = (l: Refusal) => l.path === '/api/packages' && l.declared === MAX_PACKAGE_ARCHIVE_BYTES + 1;
    const logged = await refusals((ls) => [declaredJson, streamedJson, declaredPackage].every((f) => ls.some(f)));
    expect(logged.find(declaredJson)).toMatchObject({ limit: MiB, bytesRead: 0, bytesBuffered: 0 });
    const streamed = logged.find(streamedJson)!;
    expect(streamed.bytesRead).toBeGreaterThan(MiB);
    expect(streamed.bytesBuffered).toBeLessThanOrEqual(MiB);
    expect(logged.find(declaredPackage)).toMatchObject({ limit: MAX_PACKAGE_ARCHIVE_BYTES, bytesRead: 0, bytesBuffered: 0 });
    expect(await readdir(packagesDir())).not.toContainEqual(expect.stringMatching(/^\.upload-/));
  });

  it('tells a client that asks first (Expect: 100-continue) 413 without taking the body', async () => {
    const r = await new Promise<{ status?: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request(`${base}/api/packages`, {
        method: 'POST',
        agent: false,
        headers: { ...auth, 'content-type': 'application/gzip', 'content-length': String(MAX_PACKAGE_ARCHIVE_BYTES * 2), expect: '100-continue' },
      });
      req.on('continue', () => (continued = true));
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode, continued });
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(r).toEqual({ status: 413, continued: false });
  });
});
