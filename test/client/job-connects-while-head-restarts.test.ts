// A job's driver whose first connect() meets its head down (SIGKILLed, restarting on its store) waits for
// the head instead of failing the job at its first line: in CI the chaos run's drivers reached connect()
// during the head's restart and both jobs FAILED with "connection refused". Real processes on loopback.
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../cluster/client/embedded.ts';
import type { JobInfo } from '../../cluster/api/head-api.ts';
import { tsxLoaderUrl } from '../internal.ts';
import { eventually } from '../helpers/cluster.ts';

const DRIVER = fileURLToPath(new URL('./fixtures/late-job-driver.ts', import.meta.url));

let local: LocalCluster | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await local?.stop();
  local = undefined;
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

it('runs a job whose driver first connects while the head is down', { timeout: 180_000 }, async () => {
  local = await startLocalCluster({ workers: 1, cpusPerWorker: 1 });
  const c = local;
  scratch = await mkdtemp(path.join(os.tmpdir(), 'convoy-late-job-'));
  const go = path.join(scratch, 'go');
  const tried = path.join(scratch, 'tried');
  const headers = { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' };
  const job = async (): Promise<JobInfo> => (await (await fetch(`http://${c.httpAddress}/api/jobs/late`, { headers })).json()) as JobInfo;

  const submitted = await fetch(`http://${c.httpAddress}/api/jobs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ submissionId: 'late', entrypoint: [process.execPath, '--import', tsxLoaderUrl(), DRIVER, go, tried] }),
  });
  expect(submitted.status).toBe(200);
  await eventually(async () => (await job()).status === 'RUNNING', 60_000, 'the job running');

  c.head.child.kill('SIGKILL');
  writeFileSync(go, '');
  // The driver's first try is refused at once; the restart takes seconds, so it lands after that try.
  await eventually(() => existsSync(tried), 60_000, 'the driver trying to connect');
  await c.restartHead();

  await eventually(async () => !['PENDING', 'RUNNING'].includes((await job()).status), 120_000, 'the job ending');
  const logs = await (await fetch(`http://${c.httpAddress}/api/jobs/late/logs`, { headers })).text();
  expect({ status: (await job()).status, logs }).toEqual({ status: 'SUCCEEDED', logs: expect.stringContaining('square(7) = 49') });
});
