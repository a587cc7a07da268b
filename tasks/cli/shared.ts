/** Helpers for the traffic commands: connecting like the core commands do, parsing counts, days and resources, checking a lake's windows. */
import { existsSync } from 'node:fs';
import { UsageError, type Cluster } from '../../cluster/client/index.ts';
import { findCluster } from '../../cluster/common/index.ts';
import { dayOf, parseInstant } from '../traffic/instant.ts';

export interface ClusterFlags {
  address?: string;
  tokenFile?: string;
}

/**
 * Whether the command will run on a cluster that is already there (what connect() finds: --address,
 * CONVOY_ADDRESS, or the head `convoy start --head` recorded here) rather than an embedded one it starts.
 * Where that cannot be told (say, the token is missing), connect() will say why; that counts as not embedded.
 */
export function remoteCluster(flags: ClusterFlags): boolean {
  try {
    return findCluster({ address: flags.address, tokenFile: flags.tokenFile, embedded: true }).kind !== 'embedded';
  } catch {
    return true;
  }
}

/**
 * The cluster connect() finds (--address, CONVOY_ADDRESS, the head `convoy start --head` started here), else an
 * embedded local one for the duration of the command.
 */
export async function clusterFrom(flags: ClusterFlags): Promise<Cluster> {
  const { connect } = await import('../../cluster/client/index.ts');
  return connect({ address: flags.address, tokenFile: flags.tokenFile });
}

export function parseCount(flag: string, v: string): number {
  // 1e9, 1_000_000 and 1,000,000 all mean what they say.
  const n = Number(v.replace(/[_,]/g, ''));
  if (!Number.isFinite(n) || n <= 0 || !Number.isInteger(n)) throw new UsageError(`${flag} must be a positive whole number (e.g. 1000000 or 1e6), got "${v}"`);
  return n;
}

/** A day flag (YYYY-MM-DD or an instant) as ms since the epoch; a missing one is named. */
export function day(flag: string, v: string | undefined): number {
  if (v === undefined) throw new UsageError(`the traffic model needs ${flag} (a day, YYYY-MM-DD)`);
  const r = parseInstant(v);
  if ('error' in r) throw new UsageError(`${flag}: ${r.error}`);
  return r.ms;
}

export const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

/**
 * The lake exists and holds samples in both windows: otherwise every trial would train on nothing and the
 * run would end with no metric after starting a cluster.
 */
export async function checkLakeWindows(lakeLocation: string, trainFrom: number | undefined, trainTo: number, validTo: number): Promise<void> {
  if (!isUrl(lakeLocation) && !existsSync(lakeLocation)) {
    throw new UsageError(`--lake ${lakeLocation} does not exist; collect samples into it first (convoy collect … --lake ${lakeLocation})`);
  }
  const { openLake } = await import('../lake/index.ts');
  let lake;
  try {
    lake = await openLake(lakeLocation, { threads: 0 });
  } catch (err) {
    throw new UsageError(`--lake ${lakeLocation}: ${(err as Error).message}`);
  }
  try {
    const all = await lake.stats();
    if (all.rows === 0) throw new UsageError(`--lake ${lake.url} holds no committed samples; collect some first (convoy collect … --lake ${lakeLocation})`);
    const span = all.minTimeMs !== undefined && all.maxTimeMs !== undefined ? ` (the lake holds ${dayOf(all.minTimeMs)} .. ${dayOf(all.maxTimeMs)})` : '';
    const train = await lake.stats({ ...(trainFrom !== undefined ? { timeFrom: trainFrom } : {}), timeTo: trainTo });
    if (train.rows === 0) throw new UsageError(`no training samples before --train-to ${dayOf(trainTo)}${span}: pick --train-to inside the lake's days`);
    const valid = await lake.stats({ timeFrom: trainTo, timeTo: validTo });
    if (valid.rows === 0) throw new UsageError(`no validation samples from --train-to ${dayOf(trainTo)} to --valid-to ${dayOf(validTo)}${span}: pick a window inside the lake's days`);
  } finally {
    await lake.close();
  }
}

export function parseResources(json: string): Record<string, number> {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new UsageError(`--resources must be JSON like '{"cpu": 1}', got ${json}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`--resources must be a JSON object like '{"cpu": 1}', got ${json}`);
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new UsageError(`--resources: "${k}" must be a number ≥ 0, got ${JSON.stringify(n)}`);
  }
  return v as Record<string, number>;
}

