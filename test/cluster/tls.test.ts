import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, connect } from '../../cluster/client/index.ts';
import { startLocalCluster, type LocalCluster } from '../../cluster/client/embedded.ts';
import { TASKS } from '../helpers/cluster.ts';
import type * as basic from '../fixtures/tasks/basic.ts';

let dir: string;
let local: LocalCluster;

/** A throwaway CA and a certificate for 127.0.0.1 signed by it (openssl, as an operator would). */
async function makeCerts(d: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=convoy-test-ca');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/CN=127.0.0.1');
  await writeFile(path.join(d, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', 'node.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'node.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { cert: path.join(d, 'node.pem'), key: path.join(d, 'node.key'), ca: path.join(d, 'ca.pem') };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-tls-'));
  const tls = await makeCerts(dir);
  local = await startLocalCluster({ workers: 1, cpusPerWorker: 1, tls, startTimeoutMs: 60_000 });
});
afterAll(async () => local?.stop());

describe('TLS on gRPC', () => {
  it('runs tasks for a client that trusts the cluster CA', async () => {
    const cluster = await connect(local.address, { token: local.token, tlsCaFile: path.join(dir, 'ca.pem') });
    try {
      const square = cluster.task<typeof basic.square>(TASKS, 'square');
      expect(await cluster.get(square.remote(12))).toBe(144);
    } finally {
      await cluster.close();
    }
  });

  it('refuses a client that speaks plaintext to a TLS port', async () => {
    await expect(connect(local.address, { token: local.token, connectTimeoutMs: 4000 })).rejects.toBeInstanceOf(ConnectError);
  });
});
