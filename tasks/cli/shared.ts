/** Helpers for the traffic commands: connecting like the core commands do, and parsing counts. */
import { UsageError, type Cluster } from '../../cluster/client/index.ts';
import { findCluster } from '../../cluster/common/index.ts';

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
