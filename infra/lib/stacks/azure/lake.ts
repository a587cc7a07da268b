/**
 * Azure lake: a StorageV2 account with infrastructure (double) encryption, HTTPS and TLS 1.2 only, no
 * anonymous access, no shared keys (identities only), reachable from the cluster subnet and Azure services
 * only; one private container holds the lake.
 */
import { Construct } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import { StorageAccount, StorageContainer } from '../../providers/azure.ts';
import type { ResourceGroup, Subnet } from '../../providers/azure.ts';

export const LAKE_CONTAINER = 'lake';

export interface AzureLakeProps {
  config: ClusterConfig;
  resourceGroup: ResourceGroup;
  subnet: Subnet;
  uniqueSuffix: string;
  tags: Record<string, string>;
}

export class AzureLake extends Construct {
  readonly account: StorageAccount;
  readonly container: StorageContainer;

  constructor(scope: Construct, id: string, props: AzureLakeProps) {
    super(scope, id);
    const { config } = props;
    // Storage account names: 3 to 24 lowercase letters and digits, globally unique.
    const name = config.lake.bucketName ?? `${config.name.replace(/-/g, '').slice(0, 14)}lake${props.uniqueSuffix}`;
    this.account = new StorageAccount(this, 'account', {
      name,
      location: props.resourceGroup.location,
      resourceGroupName: props.resourceGroup.name,
      accountKind: 'StorageV2',
      accountTier: 'Standard',
      accountReplicationType: 'LRS',
      httpsTrafficOnlyEnabled: true,
      minTlsVersion: 'TLS1_2',
      allowNestedItemsToBePublic: false,
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      infrastructureEncryptionEnabled: true,
      networkRules: {
        defaultAction: 'Deny',
        bypass: ['AzureServices'],
        virtualNetworkSubnetIds: [props.subnet.id],
      },
      tags: props.tags,
      // Deleting a storage account deletes its blobs; only lake.forceDestroy lets `cdktf destroy` do that.
      lifecycle: { preventDestroy: !config.lake.forceDestroy },
    });
    // storage_account_id (not the name) creates the container through the management plane, which the
    // account's network rules do not block, and gives it a resource id usable as an RBAC scope.
    this.container = new StorageContainer(this, 'container', {
      name: LAKE_CONTAINER,
      storageAccountId: this.account.id,
      containerAccessType: 'private',
    });
  }

  get url(): string {
    return `${this.account.primaryBlobEndpoint}${LAKE_CONTAINER}`;
  }
}
