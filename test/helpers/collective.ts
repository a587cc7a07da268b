/** Collective groups inside one test process (each rank its own endpoint, over loopback TCP). */
import { openCollectiveEndpoint, type CollectiveGroup, type CollectiveOptions } from '../../cluster/client/index.ts';

export async function localGroups(size: number, options: CollectiveOptions = {}, group = 'test'): Promise<CollectiveGroup[]> {
  const endpoints = await Promise.all(Array.from({ length: size }, () => openCollectiveEndpoint({ token: 'local-test-token', ...options })));
  const addresses = endpoints.map((e) => e.address);
  const groups = await Promise.all(endpoints.map((e, rank) => e.join({ group, rank, addresses })));
  for (const e of endpoints) e.close();
  return groups;
}
