/**
 * A real redis-server for tests (Debian's, which .ci/run installs): on a free loopback port, its files in a
 * temporary folder, nothing saved unless asked (`persist` turns the append-only file on, so a restart keeps
 * the data, as a production Redis would). Teardown kills it and removes the folder, also on process exit.
 *
 *   const redis = await startRedis();      // redis.url is redis://127.0.0.1:PORT
 *   await redis.pause(); await redis.resume();   // SIGSTOP / SIGCONT: a server that stops answering
 *   await redis.crash(); await redis.revive();   // a server that went away and came back on the same port
 *   await redis.stop();
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Why Redis tests cannot run here, or undefined when redis-server is installed. */
export function redisUnavailable(): string | undefined {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'redis-server is not installed (apt-get install redis-server; .ci/run installs it)';
  }
}

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly pid: number;
  /** Stops it answering (SIGSTOP): connections stay open, commands wait. */
  pause(): void;
  resume(): void;
  /** Kills it (SIGKILL) and waits for it to be gone. */
  crash(): Promise<void>;
  /** Starts it again on the same port and folder (after crash()). */
  revive(): Promise<void>;
  /** crash(), then revive(). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Keep the data in an append-only file, so restart() keeps it. @default false */
  persist?: boolean;
  /** `requirepass`. */
  password?: string;
  startTimeoutMs?: number;
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'convoy-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  const cleanup = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', opts.persist ? 'yes' : 'no', '--appendfsync', 'always', '--logfile', ''];
    if (opts.password) args.push('--requirepass', opts.password);
    child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitForReady(child, opts.startTimeoutMs ?? 20_000);
  };
  try {
    // A free port can be taken between finding it and redis binding it: try a few.
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      try {
        await launch();
        break;
      } catch (err) {
        if (attempt >= 4) throw err;
      }
    }
  } catch (err) {
    cleanup();
    process.off('exit', cleanup);
    throw err;
  }
  const kill = async (signal: NodeJS.Signals) => {
    const c = child!;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get pid() {
      return child!.pid!;
    },
    pause: () => child!.kill('SIGSTOP'),
    resume: () => child!.kill('SIGCONT'),
    crash: async () => {
      child!.kill('SIGCONT');
      await kill('SIGKILL');
    },
    revive: () => launch(),
    restart: async () => {
      child!.kill('SIGCONT');
      await kill('SIGKILL');
      await launch();
    },
    stop: async () => {
      child!.kill('SIGCONT');
      await kill('SIGKILL');
      cleanup();
      process.off('exit', cleanup);
    },
  };
}

function waitForReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      // Its log keeps coming on stdout: read and drop it, so a full pipe never stops the server.
      child.stdout!.resume();
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onData = (b: Buffer) => {
      output += b.toString();
      if (/Ready to accept connections/.test(output)) done();
    };
    const onExit = (code: number | null) => done(new Error(`redis-server exited (${code}) before it was ready:\n${output.slice(-2000)}`));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(new Error(`redis-server was not ready within ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', onExit);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
