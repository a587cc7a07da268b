/**
 * The cluster's policy checks, as CDKTF Aspects that make synthesis fail (`PolicyViolationError`).
 * Every cluster stack applies all of them; `applyClusterPolicies` also works on any other scope.
 */
import { Aspects } from '../cdk.ts';
import type { IConstruct } from '../cdk.ts';
import { GpuScaleToZero } from './gpu-scale-to-zero.ts';
import { NoPublicClusterPorts } from './no-public-cluster-ports.ts';
import { NoStaticCredentials } from './no-static-credentials.ts';
import type { PolicyAspect } from './policy-aspect.ts';
import { PrivateEncryptedBuckets } from './private-encrypted-buckets.ts';

export { PolicyAspect, PolicyViolationError } from './policy-aspect.ts';
export type { Violation } from './policy-aspect.ts';
export { GpuScaleToZero, NoPublicClusterPorts, NoStaticCredentials, PrivateEncryptedBuckets };

export function clusterPolicies(): PolicyAspect[] {
  return [new NoPublicClusterPorts(), new PrivateEncryptedBuckets(), new NoStaticCredentials(), new GpuScaleToZero()];
}

export function applyClusterPolicies(scope: IConstruct): void {
  for (const policy of clusterPolicies()) Aspects.of(scope).add(policy);
}
