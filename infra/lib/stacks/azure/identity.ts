/**
 * Azure node identity: one user-assigned managed identity for every Convoy VM, with exactly two grants:
 * Storage Blob Data Contributor on the lake container and Key Vault Secrets User on the token secret.
 * The token lives in a Key Vault that uses RBAC (no access policies); the deployer gets Secrets Officer on
 * that vault so Terraform can write the generated token.
 */
import { Construct } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import { KeyVault, KeyVaultSecret, RoleAssignment, UserAssignedIdentity } from '../../providers/azure.ts';
import type { DataAzurermClientConfig, ResourceGroup, StorageContainer } from '../../providers/azure.ts';

export const TOKEN_SECRET_NAME = 'cluster-token';

export interface AzureIdentityProps {
  config: ClusterConfig;
  resourceGroup: ResourceGroup;
  client: DataAzurermClientConfig;
  container: StorageContainer;
  generatedToken: () => string;
  uniqueSuffix: () => string;
  tags: Record<string, string>;
}

/** Vault and secret names out of a Key Vault secret resource id (validated by the config). */
export function parseKeyVaultSecretId(resourceId: string): { vaultName: string; secretName: string } {
  const match = /\/vaults\/([^/]+)\/secrets\/([^/]+)$/.exec(resourceId);
  if (!match) throw new TypeError(`not a Key Vault secret resource id: ${resourceId}`);
  return { vaultName: match[1]!, secretName: match[2]! };
}

export class AzureNodeIdentity extends Construct {
  readonly identity: UserAssignedIdentity;
  readonly vaultName: string;
  readonly secretName: string;
  /** Resource id of the token secret (an RBAC scope). */
  readonly tokenSecretId: string;

  constructor(scope: Construct, id: string, props: AzureIdentityProps) {
    super(scope, id);
    const { config, resourceGroup } = props;

    this.identity = new UserAssignedIdentity(this, 'identity', {
      name: `${config.name}-node`,
      location: resourceGroup.location,
      resourceGroupName: resourceGroup.name,
      tags: props.tags,
    });
    new RoleAssignment(this, 'lake-access', {
      scope: props.container.id,
      roleDefinitionName: 'Storage Blob Data Contributor',
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
    });

    if (config.clusterToken.existingSecret !== undefined) {
      const parsed = parseKeyVaultSecretId(config.clusterToken.existingSecret);
      this.vaultName = parsed.vaultName;
      this.secretName = parsed.secretName;
      this.tokenSecretId = config.clusterToken.existingSecret;
    } else {
      const vault = new KeyVault(this, 'vault', {
        // Key Vault names: 3 to 24 characters, globally unique, no "--" (so no dash left at the cut).
        name: `${config.name.slice(0, 12).replace(/-+$/, '')}-kv-${props.uniqueSuffix()}`,
        location: resourceGroup.location,
        resourceGroupName: resourceGroup.name,
        tenantId: props.client.tenantId,
        skuName: 'standard',
        rbacAuthorizationEnabled: true,
        softDeleteRetentionDays: 7,
        purgeProtectionEnabled: false,
        tags: props.tags,
      });
      const deployerCanWrite = new RoleAssignment(this, 'deployer-secrets-officer', {
        scope: vault.id,
        roleDefinitionName: 'Key Vault Secrets Officer',
        principalId: props.client.objectId,
      });
      const secret = new KeyVaultSecret(this, 'token', {
        name: TOKEN_SECRET_NAME,
        keyVaultId: vault.id,
        value: props.generatedToken(),
        contentType: 'text/plain',
        dependsOn: [deployerCanWrite],
      });
      this.vaultName = vault.name;
      this.secretName = TOKEN_SECRET_NAME;
      this.tokenSecretId = secret.resourceVersionlessId;
    }

    new RoleAssignment(this, 'token-access', {
      scope: this.tokenSecretId,
      roleDefinitionName: 'Key Vault Secrets User',
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
    });
  }
}
