/** Runs the `convoy` CLI as a user would (bin/convoy.mjs in a child process) and collects what it printed. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `convoy ...args` with this process's environment minus any cluster address and token (so a test's own
 * shell never leaks in), plus `env`. Never rejects: a failing command is an outcome with its exit code.
 */
export async function runConvoy(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliOutcome> {
  const { CONVOY_ADDRESS: _a, CONVOY_TOKEN: _t, ...rest } = process.env;
  return promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...rest, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}
