/**
 * The Convoy cluster on Azure: resource group, VNet with a private subnet, NAT and NSG, a storage account
 * and container for the lake, a managed identity limited to that container and the token secret, the head
 * VM, and CPU and GPU scale sets whose cloud-init joins them to the head.
 */
import type { Construct } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import { AzurermProvider, DataAzurermClientConfig, ResourceGroup } from '../../providers/azure.ts';
import { PrivateKey, TlsProvider } from '../../providers/utility.ts';
import { ClusterStack } from '../cluster-stack.ts';
import { clusterTags, roleTags } from '../naming.ts';
import { AzureHead, AzureWorkerGroup } from './compute.ts';
import { AzureNodeIdentity } from './identity.ts';
import { AzureLake } from './lake.ts';
import { AzureNetwork } from './network.ts';

export class AzureClusterStack extends ClusterStack {
  readonly cloud = 'azure' as const;
  readonly resourceGroup: ResourceGroup;
  readonly network: AzureNetwork;
  readonly lake: AzureLake;
  readonly identity: AzureNodeIdentity;
  readonly head: AzureHead;
  readonly cpuWorkers: AzureWorkerGroup;
  readonly gpuWorkers: AzureWorkerGroup;

  constructor(scope: Construct, id: string, config: ClusterConfig) {
    super(scope, id, config);
    new AzurermProvider(this, 'azurerm', {
      subscriptionId: config.azure.subscriptionId,
      // Shared keys are disabled on the lake, so the provider must use Entra ID for storage too.
      storageUseAzuread: true,
      features: [{ storage: [{ dataPlaneAvailable: false }] }],
    });
    const tags = clusterTags(config);
    const client = new DataAzurermClientConfig(this, 'client', {});
    this.resourceGroup = new ResourceGroup(this, 'group', { name: `${config.name}-rg`, location: config.azure.location, tags });

    this.network = new AzureNetwork(this, 'network', {
      config,
      resourceGroup: this.resourceGroup,
      clusterSourceCidrs: this.clusterSourceCidrs,
      tags,
    });
    this.lake = new AzureLake(this, 'lake', {
      config,
      resourceGroup: this.resourceGroup,
      subnet: this.network.subnet,
      uniqueSuffix: this.uniqueSuffix,
      tags,
    });
    this.identity = new AzureNodeIdentity(this, 'identity', {
      config,
      resourceGroup: this.resourceGroup,
      client,
      container: this.lake.container,
      generatedToken: () => this.generatedToken,
      uniqueSuffix: () => this.uniqueSuffix,
      tags,
    });

    const tokenSource = {
      kind: 'azure-key-vault',
      vaultName: this.identity.vaultName,
      secretName: this.identity.secretName,
      identityClientId: this.identity.identity.clientId,
    } as const;
    const lakeUrl = this.lake.url;
    const vm = {
      resourceGroup: this.resourceGroup,
      subnet: this.network.subnet,
      identity: this.identity.identity,
      sshPublicKey: config.access.sshPublicKey ?? this.throwawaySshKey(),
    };

    this.head = new AzureHead(this, 'head', {
      ...vm,
      name: `${config.name}-head`,
      size: config.azure.headVmSize,
      diskGb: config.head.diskGb,
      cloudInit: this.cloudInit('head', { tokenSource, lakeUrl }),
      tags: roleTags(config, 'head'),
    });
    const headAddress = this.head.privateIp;

    this.cpuWorkers = new AzureWorkerGroup(this, 'cpu-workers', {
      ...vm,
      ...config.cpuWorkers,
      role: 'cpu-worker',
      name: `${config.name}-cpu-workers`,
      size: config.azure.cpuVmSize,
      cloudInit: this.cloudInit('cpu-worker', { tokenSource, lakeUrl, headAddress }),
      tags: roleTags(config, 'cpu-worker'),
    });
    this.gpuWorkers = new AzureWorkerGroup(this, 'gpu-workers', {
      ...vm,
      ...config.gpuWorkers,
      role: 'gpu-worker',
      name: `${config.name}-gpu-workers`,
      size: config.azure.gpuVmSize,
      cloudInit: this.cloudInit('gpu-worker', { tokenSource, lakeUrl, headAddress }),
      tags: roleTags(config, 'gpu-worker'),
    });

    this.addOutputs({ headPrivateIp: headAddress, lakeUrl, tokenSecret: this.identity.tokenSecretId });
  }

  /**
   * Azure refuses a Linux VM without an SSH key or password. With no `access.sshPublicKey`, a generated
   * key satisfies it; its private half stays in Terraform state only, and no rule opens SSH anyway.
   */
  private throwawaySshKey(): string {
    new TlsProvider(this, 'tls');
    return new PrivateKey(this, 'ssh-key', { algorithm: 'RSA', rsaBits: 4096 }).publicKeyOpenssh;
  }
}
