/**
 * Peers that come from Debian (python3-distributed, python3-torch): probe for them, and when they are missing
 * and we run as root, install them with apt-get. A bench reports a peer it could not get instead of failing,
 * so the reason comes back as data.
 */
import { spawn } from 'node:child_process';

/** Debian's own interpreter: its dist-packages are where apt puts python3-*, unlike a pyenv `python3` on PATH. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export type EnsureResult = { readonly ok: true; readonly installed: boolean } | { readonly ok: false; readonly reason: string };

export interface EnsureOptions {
  /** Debian packages to install when `probe` fails. */
  packages: readonly string[];
  /** Whether the peer is usable as is. */
  probe: () => Promise<boolean>;
  /** Progress lines (apt can take minutes). @default ignore */
  onProgress?: (message: string) => void;
  /** How long apt may wait for a dpkg lock another install holds, in seconds. @default 600 */
  lockTimeoutS?: number;
}

export async function ensureDebianPackages(opts: EnsureOptions): Promise<EnsureResult> {
  if (await opts.probe()) return { ok: true, installed: false };
  const what = opts.packages.join(' ');
  if (process.getuid?.() !== 0) return { ok: false, reason: `${what} is not installed and this is not root: run \`sudo apt-get install -y ${what}\`` };
  const lock = ['-o', `DPkg::Lock::Timeout=${opts.lockTimeoutS ?? 600}`];
  opts.onProgress?.(`installing ${what} with apt-get (once)`);
  const update = await runQuiet('apt-get', [...lock, 'update']);
  if (update.code !== 0) return { ok: false, reason: `apt-get update failed (exit ${update.code}): ${lastLine(update.output)}` };
  const install = await runQuiet('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...opts.packages], {
    DEBIAN_FRONTEND: 'noninteractive',
  });
  if (install.code !== 0) return { ok: false, reason: `apt-get install ${what} failed (exit ${install.code}): ${lastLine(install.output)}` };
  if (!(await opts.probe())) return { ok: false, reason: `${what} installed, but the probe still fails` };
  opts.onProgress?.(`installed ${what}`);
  return { ok: true, installed: true };
}

/** True when Debian's python imports every module named. */
export async function pythonImports(...modules: string[]): Promise<boolean> {
  const r = await runQuiet(DEBIAN_PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')]);
  return r.code === 0;
}

function runQuiet(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const keep = (b: Buffer) => (output = (output + b.toString()).slice(-8192));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => resolve({ code: -1, output: err.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

const lastLine = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .at(-1) ?? '(no output)';
