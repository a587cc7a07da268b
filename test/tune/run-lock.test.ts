import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunLock } from '../internal.ts';
import { TuneRunInUseError } from '../../cluster/tune/index.ts';

const runDir = () => mkdtemp(path.join(os.tmpdir(), 'convoy-run-lock-'));

describe('one driver per tune run', () => {
  it('refuses a second driver in the same process, and lets the next one in once the first let go', async () => {
    const dir = await runDir();
    const first = acquireRunLock(dir, 'r');
    expect(() => acquireRunLock(dir, 'r')).toThrow(TuneRunInUseError);
    expect(() => acquireRunLock(dir, 'r')).toThrow(/tune run "r" is in use by another tune.run in this process/);
    first.release();
    first.release(); // idempotent
    acquireRunLock(dir, 'r').release();
    expect(readdirSync(path.join(dir, 'drivers'))).toEqual([]);
  });

  it("takes over from a driver that died, and removes the dead one's file", async () => {
    const dir = await runDir();
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    const stale = path.join(dir, 'drivers', `${dead.pid}@${os.hostname()}`);
    acquireRunLock(dir, 'r').release(); // makes the folder
    writeFileSync(stale, '{}');
    const lock = acquireRunLock(dir, 'r');
    expect(existsSync(stale)).toBe(false);
    lock.release();
  });

  it('refuses while a driver on another machine holds the run, and says which file to delete if it is gone', async () => {
    const dir = await runDir();
    acquireRunLock(dir, 'r').release();
    const other = path.join(dir, 'drivers', '4242@elsewhere.example');
    writeFileSync(other, '{}');
    const err = (() => {
      try {
        acquireRunLock(dir, 'r');
      } catch (e) {
        return e as TuneRunInUseError;
      }
    })();
    expect(err).toBeInstanceOf(TuneRunInUseError);
    expect(err!.holder).toEqual({ pid: 4242, host: 'elsewhere.example', file: other });
    expect(err!.message).toContain(`process 4242 on elsewhere.example (if that driver is gone, delete ${other})`);
    expect(readdirSync(path.join(dir, 'drivers'))).toEqual(['4242@elsewhere.example']); // its own file taken back
  });
});
