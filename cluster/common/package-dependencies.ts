/**
 * A job package's dependencies, as Ray's runtime_env gives a job its pip packages: decided from the uploaded
 * package.json and lockfile, installed with `npm ci` once per lockfile into a cache shared by the jobs (and
 * the head and workers) of this user on this machine, and linked into each extracted copy of the package.
 *
 * What a package gets, by what it holds:
 * - no package.json: the cluster's own install (Convoy and every package it depends on), as a Ray job
 *   without runtime_env sees the cluster's Python environment;
 * - a package.json without dependencies: Convoy only;
 * - dependencies and a lockfile identical to the cluster's own (a checkout of Convoy itself): the cluster's
 *   install, which is that very tree;
 * - dependencies and a lockfile (package-lock.json or npm-shrinkwrap.json): `npm ci --ignore-scripts`, in
 *   `$CONVOY_HOME/runtime_env/npm/<hash>`, keyed by the lockfile, the dependency fields of package.json and
 *   the contents of any `file:` dependency inside the package;
 * - dependencies without a lockfile: refused (an install must be reproducible on every node).
 * In every case `convoy` itself is the cluster's Convoy, so a driver and its tasks speak the cluster's version.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { cp, lstat, mkdir, readFile, readdir, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { RuntimeEnvError } from './errors.ts';
import { linkConvoyInto } from './package-archive.ts';
import { SingleFlight } from './single-flight.ts';

export type DependencyPlan =
  | { readonly kind: 'cluster'; readonly why: 'no package.json' | "the cluster's own lockfile" }
  | { readonly kind: 'convoy-only' }
  | {
      readonly kind: 'lockfile';
      /** Cache key: what `npm ci` would install, hashed. */
      readonly key: string;
      /** package.json, the lockfile, .npmrc and the `file:` dependencies: what the install needs, relative paths. */
      readonly files: readonly string[];
    };

/** What `provide` did, for the job log. */
export interface Provided {
  readonly plan: DependencyPlan;
  /** `lockfile` plans: true when this call ran `npm ci`, false when the cache (or a concurrent install) had it. */
  readonly installed?: boolean;
  readonly ms: number;
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'overrides', 'workspaces'] as const;
const LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json'] as const;
/** An install that takes longer is taken for hung (a registry that does not answer). */
const NPM_TIMEOUT_MS = 10 * 60_000;

/** Decides how the extracted package in `dir` gets its dependencies; refuses what cannot work, saying why. */
export async function planDependencies(dir: string, clusterRoot: string): Promise<DependencyPlan> {
  const pkgText = await readFile(path.join(dir, 'package.json'), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (pkgText === undefined) return { kind: 'cluster', why: 'no package.json' };
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(pkgText) as Record<string, unknown>;
  } catch (err) {
    throw new RuntimeEnvError(`package.json of the job is not valid JSON: ${(err as Error).message}`);
  }
  const listed = DEPENDENCY_FIELDS.filter((f) => f !== 'overrides' && f !== 'workspaces').flatMap((f) =>
    pkg[f] && typeof pkg[f] === 'object' ? Object.keys(pkg[f] as object) : [],
  );
  if (listed.length === 0) return { kind: 'convoy-only' };

  const lockName = LOCKFILES.find((f) => existsSync(path.join(dir, f)));
  if (!lockName) {
    throw new RuntimeEnvError(
      `package.json lists dependencies (${listed.slice(0, 5).join(', ')}${listed.length > 5 ? ', …' : ''}) but the job has no package-lock.json: ` +
        'run `npm install` in the working directory to write one (the cluster installs exactly what it locks), ' +
        "or leave package.json out to use the cluster's own packages",
    );
  }
  const lockText = await readFile(path.join(dir, lockName), 'utf8');
  const clusterLock = await readFile(path.join(clusterRoot, 'package-lock.json'), 'utf8').catch(() => undefined);
  if (clusterLock !== undefined && clusterLock === lockText) return { kind: 'cluster', why: "the cluster's own lockfile" };

  let lock: { packages?: Record<string, { resolved?: string; link?: boolean }>; dependencies?: Record<string, { version?: string }> };
  try {
    lock = JSON.parse(lockText) as typeof lock;
  } catch (err) {
    throw new RuntimeEnvError(`${lockName} of the job is not valid JSON: ${(err as Error).message}`);
  }
  const local = localDependencyPaths(lock);
  const hash = createHash('sha256').update(`${process.platform}-${process.arch}\0${lockText}\0`);
  hash.update(JSON.stringify(DEPENDENCY_FIELDS.map((f) => pkg[f] ?? null)));
  for (const [name, rel] of local) {
    const norm = path.posix.normalize(rel.replace(/\\/g, '/'));
    if (path.isAbsolute(rel) || norm === '..' || norm.startsWith('../')) {
      throw new RuntimeEnvError(
        `dependency ${name} comes from ${rel}, outside the working directory, so the cluster cannot install it: ` +
          'put it inside the folder (e.g. `npm pack` it into vendor/ and depend on file:vendor/<name>.tgz)',
      );
    }
    const abs = path.join(dir, norm);
    const st = await lstat(abs).catch(() => undefined);
    if (!st) {
      throw new RuntimeEnvError(`dependency ${name} comes from ${rel}, which is not in the uploaded directory (left out by .gitignore?)`);
    }
    hash.update(`\0${norm}\0`);
    await hashTree(abs, hash);
  }
  const files = ['package.json', lockName, ...(existsSync(path.join(dir, '.npmrc')) ? ['.npmrc'] : []), ...new Set([...local.values()].map((p) => path.posix.normalize(p)))];
  return { kind: 'lockfile', key: hash.digest('hex').slice(0, 32), files };
}

/** `file:` dependencies of a lockfile (v1 to v3), by package name: tarballs and linked folders. */
function localDependencyPaths(lock: {
  packages?: Record<string, { resolved?: string; link?: boolean }>;
  dependencies?: Record<string, { version?: string }>;
}): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (key === '') continue;
    const name = key.replace(/^.*node_modules\//, '');
    if (entry.link && entry.resolved) out.set(name, entry.resolved);
    else if (entry.resolved?.startsWith('file:')) out.set(name, entry.resolved.slice(5));
  }
  for (const [name, entry] of Object.entries(lock.dependencies ?? {})) {
    if (!out.has(name) && entry.version?.startsWith('file:')) out.set(name, entry.version.slice(5));
  }
  return out;
}

async function hashTree(abs: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const st = await lstat(abs);
  if (st.isFile()) {
    hash.update(await readFile(abs));
    return;
  }
  if (!st.isDirectory()) return;
  for (const name of (await readdir(abs)).sort()) {
    if (name === 'node_modules') continue;
    hash.update(`\0${name}\0`);
    await hashTree(path.join(abs, name), hash);
  }
}

/**
 * Gives extracted packages their dependencies. One per process (head or worker); installs are shared between
 * its callers (concurrent submissions of one lockfile run `npm ci` once) and, through the cache folder,
 * with the other processes of this user on this machine.
 */
export class DependencyInstaller {
  readonly #installs = new SingleFlight<string, string>();
  /** npm processes running now, ended by close(). */
  readonly #running = new Set<ChildProcess>();

  constructor(private readonly opts: { cacheDir: string; clusterRoot: string }) {}

  /** Plans and provides in one step (what a worker does with a package it fetched). */
  async prepare(dir: string, onOutput?: (chunk: Buffer) => void): Promise<Provided> {
    return this.provide(dir, await planDependencies(dir, this.opts.clusterRoot), onOutput);
  }

  /**
   * Makes `dir/node_modules` what the plan says. `onOutput` receives npm's output when this call is the
   * one that installs (for the job log).
   */
  async provide(dir: string, plan: DependencyPlan, onOutput?: (chunk: Buffer) => void): Promise<Provided> {
    const started = Date.now();
    if (plan.kind === 'cluster') {
      await linkClusterInstall(dir, this.opts.clusterRoot);
      return { plan, ms: Date.now() - started };
    }
    if (plan.kind === 'convoy-only') {
      await linkConvoyInto(dir, this.opts.clusterRoot);
      return { plan, ms: Date.now() - started };
    }
    const final = path.join(this.opts.cacheDir, plan.key);
    let installed = false;
    if (!existsSync(final)) {
      await this.#installs.run(plan.key, () => this.#install(dir, plan, final, onOutput, () => (installed = true)));
    }
    await symlink(path.join(final, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    return { plan, installed, ms: Date.now() - started };
  }

  /** Ends the installs running now (their callers get a RuntimeEnvError); the cache keeps what finished. */
  close(): void {
    for (const child of this.#running) child.kill('SIGKILL');
  }

  async #install(
    dir: string,
    plan: Extract<DependencyPlan, { kind: 'lockfile' }>,
    final: string,
    onOutput: ((chunk: Buffer) => void) | undefined,
    onInstall: () => void,
  ): Promise<string> {
    if (existsSync(final)) return final;
    onInstall();
    // Installed beside the final folder, then renamed: a crash or a failure never leaves a half tree in use,
    // and another process that installs the same key at the same time simply loses the rename.
    const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    try {
      for (const rel of plan.files) await cp(path.join(dir, rel), path.join(tmp, rel), { recursive: true, verbatimSymlinks: true });
      await runNpmCi(tmp, this.#running, onOutput);
      // The cluster's Convoy, whatever the lockfile brought: tasks must run the version the cluster speaks.
      await rm(path.join(tmp, 'node_modules', 'convoy'), { recursive: true, force: true });
      await linkConvoyInto(tmp, this.opts.clusterRoot);
      await rename(tmp, final).catch((err: NodeJS.ErrnoException) => {
        if (!existsSync(final)) throw err;
      });
      return final;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

/**
 * `npm ci --ignore-scripts` in `cwd`, with npm's output passed on; a failure becomes a RuntimeEnvError with
 * npm's reason on one line. Install scripts are not run: a job's dependencies get no code execution at
 * install time on the cluster's machines (native addons that build in a script are not supported).
 */
async function runNpmCi(cwd: string, running: Set<ChildProcess>, onOutput?: (chunk: Buffer) => void): Promise<void> {
  const npm = npmCommand();
  const env = { ...process.env };
  // Settings an outer `npm run`/`npx` leaves behind would point this npm at another project.
  for (const k of Object.keys(env)) if (/^npm_(package|lifecycle)_|^npm_config_local_prefix$|^INIT_CWD$/i.test(k)) delete env[k];
  const args = [...npm.args, 'ci', '--ignore-scripts', '--no-audit', '--no-fund', '--no-update-notifier', '--prefer-offline'];
  let output = '';
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn(npm.cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: NPM_TIMEOUT_MS, killSignal: 'SIGKILL' });
    running.add(child);
    const take = (c: Buffer) => {
      output += c.toString('utf8');
      onOutput?.(c);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => resolve(`could not run npm (${npm.cmd}): ${err.message}`));
    child.on('close', (c, signal) => {
      running.delete(child);
      resolve(signal === 'SIGKILL' ? `npm ci was stopped (the cluster is closing, or it ran past ${NPM_TIMEOUT_MS / 60_000} minutes)` : (c ?? 1));
    });
  });
  if (code === 0) return;
  throw new RuntimeEnvError(`npm ci failed: ${typeof code === 'string' ? code : npmFailureReason(output, code)}`);
}

/** npm's reason on one line: its error code and first message line (npm prints many, the rest is detail). */
export function npmFailureReason(output: string, exitCode: number): string {
  const lines = output.split('\n').map((l) => /^npm (?:ERR!|error) ?(.*)$/.exec(l.trim())?.[1]?.trim()).filter((l): l is string => l !== undefined);
  const code = lines.map((l) => /^code (\S+)$/.exec(l)?.[1]).find(Boolean);
  const message = lines.find((l) => l && !/^(code|errno|syscall|path) /.test(l) && !l.startsWith('A complete log of this run'));
  const reason = [code, message].filter(Boolean).join(': ') || `npm exited with code ${exitCode}`;
  return reason.length > 400 ? `${reason.slice(0, 400)}…` : reason;
}

/** The npm that came with the Node running Convoy, run by that Node; else `npm` from PATH. */
function npmCommand(): { cmd: string; args: string[] } {
  try {
    const cli = realpathSync(path.join(path.dirname(process.execPath), 'npm'));
    if (cli.endsWith('.js')) return { cmd: process.execPath, args: [cli] };
  } catch {
    // not installed beside node (e.g. nvm-windows, some distributions' packages)
  }
  return { cmd: process.platform === 'win32' ? 'npm.cmd' : 'npm', args: [] };
}

/**
 * `dir/node_modules` with a link to each package of the cluster's install (its own node_modules, and the
 * folder it sits in when Convoy is itself installed as a package), and `convoy` linked to Convoy.
 */
export async function linkClusterInstall(dir: string, clusterRoot: string): Promise<void> {
  const target = path.join(dir, 'node_modules');
  await mkdir(target, { recursive: true });
  await linkConvoyInto(dir, clusterRoot);
  const sources = [path.join(clusterRoot, 'node_modules')];
  if (path.basename(path.dirname(clusterRoot)) === 'node_modules') sources.push(path.dirname(clusterRoot));
  const taken = new Set(await readdir(target));
  for (const source of sources) {
    const names = await readdir(source).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith('.') || taken.has(name)) continue;
      taken.add(name);
      await symlink(path.join(source, name), path.join(target, name), 'dir');
    }
  }
}
