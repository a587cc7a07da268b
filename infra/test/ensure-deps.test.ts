import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STAMP_FILE, ensureDeps, installState } from '../scripts/ensure-deps.mjs';

const script = fileURLToPath(new URL('../scripts/ensure-deps.mjs', import.meta.url));

/** A package with no dependencies: `npm ci` there is real but needs no network. */
function emptyPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'convoy-ensure-deps-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'probe', version: '1.0.0', private: true }));
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'probe', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'probe', version: '1.0.0' } } }),
  );
  return dir;
}

describe('ensure-deps', () => {
  it('installs when node_modules is missing, then skips until the lockfile changes', () => {
    const dir = emptyPackage();
    const log: string[] = [];
    expect(installState(dir)).toBe('missing');
    expect(ensureDeps(dir, { log: (line) => log.push(line) })).toEqual({ state: 'missing', installed: true });
    expect(existsSync(join(dir, 'node_modules', STAMP_FILE))).toBe(true);

    expect(installState(dir)).toBe('fresh');
    expect(ensureDeps(dir, { log: (line) => log.push(line) })).toEqual({ state: 'fresh', installed: false });

    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { version: string };
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ ...lock, version: '1.0.1' }));
    expect(installState(dir)).toBe('stale');
    expect(ensureDeps(dir, { log: (line) => log.push(line) }).installed).toBe(true);
    expect(log.some((line) => line.includes('up to date'))).toBe(true);
  });

  it('works from the command line with --dir and fails clearly without a lockfile', () => {
    const dir = emptyPackage();
    execFileSync(process.execPath, [script, '--dir', dir], { stdio: 'pipe' });
    expect(installState(dir)).toBe('fresh');

    const noLock = mkdtempSync(join(tmpdir(), 'convoy-ensure-deps-'));
    writeFileSync(join(noLock, 'package.json'), '{"name":"x","version":"1.0.0"}');
    let stderr = '';
    try {
      execFileSync(process.execPath, [script, '--dir', noLock], { stdio: 'pipe' });
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain('package-lock.json is missing');
  });
});
