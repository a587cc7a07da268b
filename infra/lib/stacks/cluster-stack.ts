/**
 * What every cloud's stack shares: the policies, the `random` provider (token and name suffix), the
 * cloud-init for each role, and the same outputs, so the three stacks keep one shape.
 */
import { renderCloudInit } from '../bootstrap/cloud-init.ts';
import type { NodeRole } from '../bootstrap/commands.ts';
import type { TokenSource } from '../bootstrap/token-source.ts';
import { TerraformOutput, TerraformStack } from '../cdk.ts';
import type { Construct } from '../cdk.ts';
import type { Cloud, ClusterConfig } from '../config/schema.ts';
import { applyClusterPolicies } from '../policy/index.ts';
import { Password, RandomId, RandomProvider } from '../providers/utility.ts';

/** Names of the stack outputs, the same on every cloud. */
export const OUTPUTS = {
  headPrivateIp: 'head_private_ip',
  lakeUrl: 'lake_url',
  tokenSecret: 'cluster_token_secret',
} as const;

export interface ClusterOutputs {
  /** Private IP of the head (workers dial `<ip>:6380`). */
  headPrivateIp: string;
  /** `s3://…`, `https://<account>.blob.core.windows.net/<container>` or `gs://…`. */
  lakeUrl: string;
  /** Id of the secret that holds the cluster token (ARN, Key Vault secret id, Secret Manager name). */
  tokenSecret: string;
}

export abstract class ClusterStack extends TerraformStack {
  abstract readonly cloud: Cloud;
  readonly config: ClusterConfig;
  private suffixResource?: RandomId;
  private tokenResource?: Password;

  constructor(scope: Construct, id: string, config: ClusterConfig) {
    super(scope, id);
    this.config = config;
    new RandomProvider(this, 'random');
    applyClusterPolicies(this);
  }

  /**
   * Six hex characters, fixed at first deploy, that keep globally unique names (buckets, storage accounts,
   * key vaults) from colliding between clusters with the same name.
   */
  protected get uniqueSuffix(): string {
    this.suffixResource ??= new RandomId(this, 'name-suffix', { byteLength: 3 });
    return this.suffixResource.hex;
  }

  /** A generated cluster token (48 alphanumerics) for a new secret; it exists only in state and the store. */
  protected get generatedToken(): string {
    this.tokenResource ??= new Password(this, 'cluster-token', { length: 48, special: false });
    return this.tokenResource.result;
  }

  /** cloud-init for one role; `headAddress` is required for workers. */
  protected cloudInit(role: NodeRole, options: { tokenSource: TokenSource; lakeUrl: string; headAddress?: string }): string {
    const { config } = this;
    return renderCloudInit({
      role,
      headAddress: options.headAddress,
      numGpus: role === 'gpu-worker' ? config.gpuWorkers.gpusPerNode : 0,
      convoyPackage: config.convoyPackage,
      nodeMajor: config.nodeMajor,
      tokenSource: options.tokenSource,
      env: { ...config.env, CONVOY_LAKE_URL: options.lakeUrl, CONVOY_CLOUD: this.cloud },
      gpuDriverPackage: config.gpuWorkers.driverPackage,
      sshPublicKey: config.access.sshPublicKey,
    });
  }

  /** CIDRs allowed to reach the cluster ports: the network itself plus `access.clientCidrs`. */
  protected get clusterSourceCidrs(): string[] {
    return [...new Set([this.config.network.cidr, ...this.config.access.clientCidrs])];
  }

  protected addOutputs(outputs: ClusterOutputs): void {
    new TerraformOutput(this, OUTPUTS.headPrivateIp, {
      value: outputs.headPrivateIp,
      description: 'Private IP of the Convoy head; workers and drivers inside the network dial it on port 6380',
    });
    new TerraformOutput(this, OUTPUTS.lakeUrl, { value: outputs.lakeUrl, description: 'URL of the data lake' });
    new TerraformOutput(this, OUTPUTS.tokenSecret, {
      value: outputs.tokenSecret,
      description: 'Secret that holds the cluster token (read it with the cloud CLI; it is never printed here)',
    });
  }
}
