/**
 * How much striping a transfer over parallel TCP connections could gain on this machine: another process serves
 * a buffer, and this process pulls it over 1, 2 and 4 loopback connections at once, each read by its own thread
 * straight into touched shared memory (as a reused store buffer is). Prints one JSON line.
 *
 *   npx tsx bench/probes/socket-streams.ts [--mib 512] [--reps 3]
 *
 * It backs a claim in the README's benchmark notes: whether Convoy's single-connection data plane leaves much
 * on the table against the 2× Dask worker-to-worker target. Median of `--reps` for each connection count.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/** The sending process: answers "offset,length" with that slice of one touched buffer. */
const SERVER = `
const net = require('node:net');
const data = Buffer.alloc(Number(process.argv[1]), 7);
const server = net.createServer((s) => s.once('data', (d) => {
  const [off, len] = String(d).split(',').map(Number);
  s.end(data.subarray(off, off + len));
}));
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
`;

/** One reader thread: pulls its slice into the shared destination. */
const READER = `
const net = require('node:net');
const { parentPort, workerData: { port, dest, off, len } } = require('node:worker_threads');
const view = new Uint8Array(dest, off, len);
const spare = new Uint8Array(65536);
let got = 0;
const s = net.connect({ port, host: '127.0.0.1', onread: { buffer: () => (got < len ? view.subarray(got) : spare), callback: (n) => { got += n; return true; } } });
s.on('connect', () => s.write(off + ',' + len));
s.on('end', () => parentPort.postMessage(got === len));
`;

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};

const bytes = arg('mib', 512) * 1024 * 1024;
const reps = arg('reps', 3);
const server = spawn(process.execPath, ['-e', SERVER, String(bytes)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const [port] = (await once(server, 'message')) as [number];
const dest = new SharedArrayBuffer(bytes);
new Uint8Array(dest).fill(1);

async function pullGBps(parts: number): Promise<number> {
  const slice = Math.ceil(bytes / parts);
  const started = performance.now();
  const ok = await Promise.all(
    Array.from({ length: parts }, async (_, i) => {
      const off = i * slice;
      const w = new Worker(READER, { eval: true, workerData: { port, dest, off, len: Math.min(slice, bytes - off) } });
      const [good] = (await once(w, 'message')) as [boolean];
      await w.terminate();
      return good;
    }),
  );
  if (!ok.every(Boolean)) throw new Error('a connection delivered the wrong number of bytes');
  return bytes / 1e9 / ((performance.now() - started) / 1000);
}

const out: Record<string, number> = { mib: bytes / 1024 / 1024 };
for (const parts of [1, 2, 4]) {
  const runs: number[] = [];
  for (let r = 0; r < reps; r++) runs.push(await pullGBps(parts));
  runs.sort((a, b) => a - b);
  out[`connections_${parts}_GBps`] = Number(runs[Math.floor(runs.length / 2)]!.toFixed(3));
}
server.kill();
console.log(JSON.stringify(out));
