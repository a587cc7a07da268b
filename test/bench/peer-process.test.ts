// Driving a child by request and reply: ready, replies in order, a child's error, its death, and a timeout.
import { describe, expect, it } from 'vitest';
import { PeerProcess, PeerProcessError } from '../../bench/lib/peer-process.ts';

// A tiny peer in plain JS: says ready, then answers each request (echo, fail, die or hang), ignoring noise.
const PEER = String.raw`
const P = '@bench ';
const send = (m) => process.stdout.write(P + JSON.stringify(m) + '\n');
console.log('some library chatter that is not a reply');
send({ ready: true, pid: process.pid });
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.startsWith(P)) return;
  const m = JSON.parse(line.slice(P.length));
  if (m.op === 'echo') send({ echo: m.value });
  else if (m.op === 'fail') send({ error: 'asked to fail' });
  else if (m.op === 'die') { process.stderr.write('dying on request\n'); process.exit(3); }
});
`;

const start = () => PeerProcess.start({ name: 'test peer', command: process.execPath, args: ['-e', PEER], readyTimeoutMs: 20_000 });

describe('PeerProcess', () => {
  it('returns the ready message, then one reply per request in order', async () => {
    const { peer, ready } = await start();
    try {
      expect(ready).toMatchObject({ ready: true });
      const replies = [peer.request({ op: 'echo', value: 1 }, 10_000), peer.request({ op: 'echo', value: 2 }, 10_000)];
      expect(await Promise.all(replies)).toEqual([{ echo: 1 }, { echo: 2 }]);
    } finally {
      await peer.close();
    }
  });

  it('turns an {error} reply into a PeerProcessError and keeps working', async () => {
    const { peer } = await start();
    try {
      await expect(peer.request({ op: 'fail' }, 10_000)).rejects.toThrow(/test peer failed: asked to fail/);
      expect(await peer.request({ op: 'echo', value: 'still here' }, 10_000)).toEqual({ echo: 'still here' });
    } finally {
      await peer.close();
    }
  });

  it('fails a pending request when the child dies, with its exit code and stderr', async () => {
    const { peer } = await start();
    const err = await peer.request({ op: 'die' }, 10_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerProcessError);
    expect((err as PeerProcessError).message).toMatch(/exited \(code 3\)/);
    expect((err as PeerProcessError).stderrTail).toContain('dying on request');
    expect(() => peer.send({ op: 'echo' })).toThrow(PeerProcessError);
    await peer.close();
  });

  it('gives up on a reply that does not come in time, and close() is idempotent', async () => {
    const { peer } = await start();
    await expect(peer.request({ op: 'hang' }, 200)).rejects.toThrow(/longer than 200 ms/);
    await Promise.all([peer.close(), peer.close()]);
  });

  it('reports a child that exits before it is ready', async () => {
    const failing = PeerProcess.start({ name: 'broken peer', command: process.execPath, args: ['-e', 'console.error("no module"); process.exit(2)'] });
    await expect(failing).rejects.toThrow(/broken peer exited \(code 2\)[\s\S]*no module/);
  });
});
