/**
 * AWS node identity: one IAM role for every Convoy VM, reached through an instance profile (credentials
 * come from the instance metadata service, never from disk). Its only grants are the lake bucket's objects
 * and the one secret that holds the cluster token.
 */
import { Construct } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import {
  DataAwsIamPolicyDocument,
  IamInstanceProfile,
  IamRole,
  IamRolePolicy,
  SecretsmanagerSecret,
  SecretsmanagerSecretVersion,
} from '../../providers/aws.ts';
import type { S3Bucket } from '../../providers/aws.ts';

export interface AwsIdentityProps {
  config: ClusterConfig;
  bucket: S3Bucket;
  /** Generated token to store in a new secret; unused when `clusterToken.existingSecret` is set. */
  generatedToken: () => string;
  uniqueSuffix: () => string;
}

export class AwsNodeIdentity extends Construct {
  readonly role: IamRole;
  readonly instanceProfile: IamInstanceProfile;
  /** ARN of the secret holding the cluster token. */
  readonly tokenSecretArn: string;

  constructor(scope: Construct, id: string, props: AwsIdentityProps) {
    super(scope, id);
    const { config, bucket } = props;

    if (config.clusterToken.existingSecret !== undefined) {
      this.tokenSecretArn = config.clusterToken.existingSecret;
    } else {
      const secret = new SecretsmanagerSecret(this, 'token', {
        name: `${config.name}/cluster-token-${props.uniqueSuffix()}`,
        description: `Convoy cluster token for ${config.name}`,
        // The token dies with the cluster; a recovery window would block re-deploying under the same name.
        recoveryWindowInDays: 0,
      });
      new SecretsmanagerSecretVersion(this, 'token-value', { secretId: secret.id, secretString: props.generatedToken() });
      this.tokenSecretArn = secret.arn;
    }

    this.role = new IamRole(this, 'role', {
      // IAM names are account-wide: the suffix keeps two clusters called the same in two regions apart.
      name: `${config.name}-node-${props.uniqueSuffix()}`,
      description: `Convoy nodes of ${config.name}: lake objects and the cluster token, nothing else`,
      assumeRolePolicy: new DataAwsIamPolicyDocument(this, 'assume-role', {
        statement: [
          { effect: 'Allow', actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['ec2.amazonaws.com'] }] },
        ],
      }).json,
    });

    new IamRolePolicy(this, 'lake-and-token', {
      name: 'lake-and-token',
      role: this.role.id,
      policy: new DataAwsIamPolicyDocument(this, 'lake-and-token-document', {
        statement: [
          { sid: 'ListLake', effect: 'Allow', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [bucket.arn] },
          {
            sid: 'ReadWriteLakeObjects',
            effect: 'Allow',
            actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
            resources: [`${bucket.arn}/*`],
          },
          { sid: 'ReadClusterToken', effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources: [this.tokenSecretArn] },
        ],
      }).json,
    });

    this.instanceProfile = new IamInstanceProfile(this, 'profile', {
      name: `${config.name}-node-${props.uniqueSuffix()}`,
      role: this.role.name,
    });
  }
}
