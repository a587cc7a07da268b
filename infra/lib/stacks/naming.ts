/**
 * Names and tags shared by the three clouds, so a resource is recognisable (and a policy can find the GPU
 * group) whatever cloud it lives in.
 */
import type { NodeRole } from '../bootstrap/commands.ts';
import type { ClusterConfig } from '../config/schema.ts';

/** Tag (AWS, Azure) / label (GCP) key that says which part of the cluster a VM belongs to. */
export const ROLE_TAG = 'convoy-role';
/** Tag / label key holding the cluster name. */
export const CLUSTER_TAG = 'convoy-cluster';

/** Tags for every resource: the cluster name plus the user's own. */
export function clusterTags(config: ClusterConfig): Record<string, string> {
  return { ...config.tags, [CLUSTER_TAG]: config.name };
}

export function roleTags(config: ClusterConfig, role: NodeRole): Record<string, string> {
  return { ...clusterTags(config), [ROLE_TAG]: role };
}

/** Stack id for a cloud: `convoy-aws`, `convoy-azure`, `convoy-gcp` (with the configured name). */
export function stackName(config: Pick<ClusterConfig, 'name'>, cloud: string): string {
  return `${config.name}-${cloud}`;
}
