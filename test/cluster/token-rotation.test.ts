/**
 * A head restarted with a new token (it makes a new one at each start unless given a token file). Its old
 * workers and drivers must say that the token was refused and what to do, at once (retrying cannot fix a
 * token), instead of "14 UNAVAILABLE: Connection dropped" after a minute; the head logs every refused call,
 * and no token appears in any log or message.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterClosedError, connect, type Cluster } from '../../cluster/client/index.ts';
import { generateToken } from '../../cluster/common/auth.ts';
import { stopChild, waitReady } from '../../cluster/common/child-process.ts';
import { encodeEntryOptions } from '../../cluster/common/process-entry.ts';
import { spawnTs } from '../../cluster/common/spawn.ts';
import { TASKS, eventually } from '../helpers/cluster.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
const HEAD_MAIN = new URL('../../cluster/head/main.ts', import.meta.url);
const WORKER_MAIN = new URL('../../cluster/worker/main.ts', import.meta.url);
const children: ChildProcess[] = [];
let cluster: Cluster | undefined;

afterAll(async () => {
  await cluster?.close().catch(() => undefined);
  await Promise.all(children.map((c) => stopChild(c)));
});

/** Starts a head or worker process as `convoy start` would, with its token in CONVOY_TOKEN; keeps its stderr. */
async function start(entry: URL, options: Record<string, unknown>, token: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, CONVOY_TOKEN: token };
  delete env.CONVOY_TOKEN_FILE;
  const child = spawnTs(entry, [encodeEntryOptions({ ...options, dieWithParent: true })], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await waitReady(child, 'test process', 60_000);
  return { child, ready, exited, stderr: () => stderr };
}

describe('a head restarted with a new token', () => {
  it('stops its old workers and drivers at once with an error naming the token, and logs each refused caller', { timeout: 180_000 }, async () => {
    const [oldToken, newToken] = [generateToken(), generateToken()];
    const dirs = await mkdtemp(path.join(os.tmpdir(), 'convoy-rotate-'));
    for (const d of ['head-1', 'head-2']) await mkdir(path.join(dirs, d), { mode: 0o700 });
    const first = await start(HEAD_MAIN, { host: '127.0.0.1', port: 0, dashboardPort: 0, sessionDir: path.join(dirs, 'head-1') }, oldToken);
    const address = String(first.ready.address);
    const logDir = path.join(dirs, 'worker-logs');
    const worker = await start(WORKER_MAIN, { address, host: '127.0.0.1', port: 0, numCpus: 1, numGpus: 0, logDir }, oldToken);
    cluster = await connect(address, { token: oldToken });
    expect(await cluster.get(cluster.task<(x: number) => number>(TASKS, 'square').remote(7))).toBe(49);

    // Restart the head on the same port with a new token, as `convoy stop` and `convoy start --head` would.
    await stopChild(first.child);
    const second = await start(HEAD_MAIN, { host: '127.0.0.1', port: Number(address.split(':')[1]), dashboardPort: 0, sessionDir: path.join(dirs, 'head-2') }, newToken);
    expect(String(second.ready.address)).toBe(address);

    // The worker stops on the first refusal, saying why and what to do.
    expect(await worker.exited).toBe(1);
    const workerSays = worker.stderr();
    expect(workerSays).toMatch(new RegExp(`the head at ${address} refused this worker's cluster token \\(missing or wrong cluster token`));
    expect(workerSays).toMatch(/restart the worker with the new token file \(convoy start --address \S+ --token-file PATH, or CONVOY_TOKEN\)/);

    // The driver closes its connection with the same diagnosis; every call after that says it.
    let closedWith: Error | undefined;
    await eventually(() => {
      try {
        cluster!.put(1);
        return false;
      } catch (err) {
        closedWith = err as Error;
        return true;
      }
    }, 90_000, 'the driver to give up on the refused token');
    expect(closedWith).toBeInstanceOf(ClusterClosedError);
    expect(closedWith!.message).toMatch(new RegExp(`the head at ${address} refused this driver's cluster token`));
    expect(closedWith!.message).toMatch(/connect again with the new token/);

    // So does the CLI, for any command that reaches the head.
    const cli = await run(process.execPath, [CLI, 'status', '--address', address], { env: { ...process.env, CONVOY_TOKEN: oldToken } }).catch((e: { code: number; stderr: string }) => e);
    expect((cli as { code: number }).code).toBe(1);
    expect((cli as { stderr: string }).stderr).toMatch(new RegExp(`^convoy: the head at ${address} refused the cluster token from CONVOY_TOKEN .*pass --token-file with its new token file, or set CONVOY_TOKEN\n$`));

    // The new head logged the refused calls: the worker's registration and the driver's reconnect.
    const headLog = path.join(dirs, 'head-2', 'logs', 'head.log');
    let refused: { method: string; peer: string }[] = [];
    await eventually(async () => {
      refused = (await readFile(headLog, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; method: string; peer: string })
        .filter((l) => l.msg === 'grpc call refused: missing or wrong cluster token');
      return refused.some((r) => r.method === 'RegisterNode') && refused.some((r) => r.method === 'GetClusterStatus');
    }, 20_000, 'the refusals in the head log');
    expect(refused[0]!.peer).toMatch(/127\.0\.0\.1:\d+/);

    const everything = [workerSays, closedWith!.message, await readFile(headLog, 'utf8'), await readFile(path.join(logDir, `worker-${worker.child.pid}.log`), 'utf8')].join('\n');
    expect(everything).not.toContain(oldToken);
    expect(everything).not.toContain(newToken);
  });
});
