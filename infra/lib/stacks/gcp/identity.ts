/**
 * GCP node identity: one service account for every Convoy VM, granted object admin on the lake bucket and
 * secret accessor on the token secret, nothing at project level. VMs get its tokens from the metadata
 * server; no key file is ever created.
 */
import { Construct } from '../../cdk.ts';
import type { ITerraformDependable } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import {
  SecretManagerSecret,
  SecretManagerSecretIamMember,
  SecretManagerSecretVersion,
  ServiceAccount,
  StorageBucketIamMember,
} from '../../providers/gcp.ts';
import type { StorageBucket } from '../../providers/gcp.ts';

export interface GcpIdentityProps {
  config: ClusterConfig;
  /** Project the stack deploys into (a literal or the provider's default, as a token). */
  project: string;
  bucket: StorageBucket;
  generatedToken: () => string;
  dependsOn: ITerraformDependable[];
}

/** Project and short secret name out of `projects/P/secrets/S` (validated by the config). */
export function parseSecretName(name: string): { project: string; secret: string } {
  const match = /^projects\/([^/]+)\/secrets\/([^/]+)$/.exec(name);
  if (!match) throw new TypeError(`not a Secret Manager secret name: ${name}`);
  return { project: match[1]!, secret: match[2]! };
}

export class GcpNodeIdentity extends Construct {
  readonly serviceAccount: ServiceAccount;
  readonly secretProject: string;
  readonly secretName: string;
  /** `projects/P/secrets/S` of the token secret. */
  readonly tokenSecretId: string;

  constructor(scope: Construct, id: string, props: GcpIdentityProps) {
    super(scope, id);
    const { config } = props;
    this.serviceAccount = new ServiceAccount(this, 'account', {
      accountId: `${config.name}-node`,
      displayName: `Convoy nodes of ${config.name}`,
      description: 'Lake objects and the cluster token, nothing else',
      dependsOn: props.dependsOn,
    });
    const member = `serviceAccount:${this.serviceAccount.email}`;

    new StorageBucketIamMember(this, 'lake-access', { bucket: props.bucket.name, role: 'roles/storage.objectAdmin', member });

    if (config.clusterToken.existingSecret !== undefined) {
      const parsed = parseSecretName(config.clusterToken.existingSecret);
      this.secretProject = parsed.project;
      this.secretName = parsed.secret;
      this.tokenSecretId = config.clusterToken.existingSecret;
    } else {
      const secret = new SecretManagerSecret(this, 'token', {
        secretId: `${config.name}-cluster-token`,
        replication: { auto: {} },
        dependsOn: props.dependsOn,
      });
      new SecretManagerSecretVersion(this, 'token-value', { secret: secret.id, secretData: props.generatedToken() });
      this.secretProject = props.project;
      // The attribute (not the literal name) makes the grant wait for the secret to exist.
      this.secretName = secret.secretId;
      this.tokenSecretId = secret.id;
    }
    new SecretManagerSecretIamMember(this, 'token-access', {
      project: this.secretProject,
      secretId: this.secretName,
      role: 'roles/secretmanager.secretAccessor',
      member,
    });
  }
}
