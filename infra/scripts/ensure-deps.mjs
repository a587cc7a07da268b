#!/usr/bin/env node
/**
 * Installs infra/'s own dependencies (about 1 GB of prebuilt providers) only when they are missing or
 * stale, so the root `npm test` and CI pay for `npm ci` once per lockfile change, not on every run.
 *
 *   node infra/scripts/ensure-deps.mjs            # infra/ next to this script
 *   node infra/scripts/ensure-deps.mjs --dir DIR  # another package (tests use this)
 *
 * "Stale" means package-lock.json changed since the last install: its SHA-256 is kept in
 * node_modules/.convoy-lock-hash. Plain JavaScript on purpose: it must run before tsx is installed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const STAMP_FILE = '.convoy-lock-hash';

export class EnsureDepsError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'EnsureDepsError';
  }
}

function lockHash(dir) {
  const lockPath = join(dir, 'package-lock.json');
  if (!existsSync(lockPath)) {
    throw new EnsureDepsError(`${lockPath} is missing: run \`npm install\` in ${dir} once and commit the lockfile`);
  }
  return createHash('sha256').update(readFileSync(lockPath)).digest('hex');
}

/** 'missing' (no node_modules), 'stale' (lockfile changed since the last install) or 'fresh'. */
export function installState(dir) {
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) return 'missing';
  const stamp = join(modules, STAMP_FILE);
  if (!existsSync(stamp)) return 'stale';
  return readFileSync(stamp, 'utf8').trim() === lockHash(dir) ? 'fresh' : 'stale';
}

/** Runs `npm ci` in `dir` unless its node_modules is fresh. Returns what it found and whether it installed. */
export function ensureDeps(dir, { log = (line) => console.error(line) } = {}) {
  const state = installState(dir);
  if (state === 'fresh') {
    log(`ensure-deps: ${dir} is up to date`);
    return { state, installed: false };
  }
  const hash = lockHash(dir);
  log(`ensure-deps: ${dir} node_modules is ${state}; running npm ci`);
  const started = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) throw new EnsureDepsError(`could not start npm in ${dir}`, { cause: result.error });
  if (result.status !== 0) {
    throw new EnsureDepsError(`npm ci failed in ${dir} (exit ${result.status}); see the npm output above`);
  }
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', STAMP_FILE), `${hash}\n`);
  log(`ensure-deps: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { state, installed: true };
}

function parseDir(argv) {
  const index = argv.indexOf('--dir');
  if (index === -1) return resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const value = argv[index + 1];
  if (!value) throw new EnsureDepsError('--dir needs a directory');
  return resolve(value);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    ensureDeps(parseDir(process.argv.slice(2)));
  } catch (error) {
    console.error(error instanceof EnsureDepsError ? `ensure-deps: ${error.message}` : error);
    process.exit(1);
  }
}
