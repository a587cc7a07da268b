/**
 * The Google provider classes the stacks use, imported file by file (the package index loads every
 * resource class). A move to the CDK Terrain fork changes the package prefix here, nothing else.
 */
export { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
export { ProjectService } from '@cdktf/provider-google/lib/project-service/index.js';
export { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
export { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
export { ComputeRouter } from '@cdktf/provider-google/lib/compute-router/index.js';
export { ComputeRouterNat } from '@cdktf/provider-google/lib/compute-router-nat/index.js';
export { ComputeFirewall } from '@cdktf/provider-google/lib/compute-firewall/index.js';
export { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
export { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
export { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
export { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret/index.js';
export { SecretManagerSecretVersion } from '@cdktf/provider-google/lib/secret-manager-secret-version/index.js';
export { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member/index.js';
export { ComputeInstance } from '@cdktf/provider-google/lib/compute-instance/index.js';
export { ComputeInstanceTemplate } from '@cdktf/provider-google/lib/compute-instance-template/index.js';
export { ComputeInstanceGroupManager } from '@cdktf/provider-google/lib/compute-instance-group-manager/index.js';
export { ComputeAutoscaler } from '@cdktf/provider-google/lib/compute-autoscaler/index.js';
export { DataGoogleClientConfig } from '@cdktf/provider-google/lib/data-google-client-config/index.js';
