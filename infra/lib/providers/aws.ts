/**
 * The AWS provider classes the stacks use, imported file by file: the package index loads all ~1,500
 * resource classes (about 9 s), one file loads in milliseconds. A move to the CDK Terrain fork changes the
 * package prefix here (`@cdktn/provider-aws`), nothing else.
 */
export { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
export { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
export { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones/index.js';
export { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
export { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
export { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
export { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
export { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
export { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
export { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
export { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint/index.js';
export { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
export { S3BucketServerSideEncryptionConfigurationA as S3BucketEncryption } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
export { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
export { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
export { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
export { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
export { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
export { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
export { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
export { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version/index.js';
export { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
export { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
export { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
export { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
export { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
export { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
export { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
