import { describe, expect, it } from 'vitest';
import { OUTPUTS } from '../lib/stacks/cluster-stack.ts';
import { readBootstrap } from './helpers/cloud-config.ts';
import { block, resourceNamed, resourcesOf, synthCloud } from './helpers/synth.ts';
import type { TerraformJson } from './helpers/synth.ts';

const defaults = synthCloud('azure');

function address(json: TerraformJson, type: string, fragment: string): string {
  return `${type}.${resourceNamed(json, type, fragment)[0]}`;
}

describe('Azure stack', () => {
  it('uses Entra ID for storage and no static credentials in the provider', () => {
    const provider = block(defaults.provider.azurerm);
    expect(provider.storage_use_azuread).toBe(true);
    expect(provider.client_secret).toBeUndefined();
    expect(block(resourceNamed(defaults, 'azurerm_resource_group', 'group')[1]).location).toBe('eastus');
  });

  it('keeps the lake in an encrypted, key-less, non-public storage account reachable from the cluster subnet', () => {
    const [, account] = resourceNamed(defaults, 'azurerm_storage_account', 'lake');
    expect(account).toMatchObject({
      allow_nested_items_to_be_public: false,
      https_traffic_only_enabled: true,
      min_tls_version: 'TLS1_2',
      infrastructure_encryption_enabled: true,
      shared_access_key_enabled: false,
      lifecycle: { prevent_destroy: true },
    });
    expect(block(account.network_rules)).toMatchObject({
      default_action: 'Deny',
      virtual_network_subnet_ids: [`\${${address(defaults, 'azurerm_subnet', 'cluster')}.id}`],
    });
    const [, container] = resourceNamed(defaults, 'azurerm_storage_container', 'lake');
    expect(container).toMatchObject({ container_access_type: 'private', storage_account_id: `\${${address(defaults, 'azurerm_storage_account', 'lake')}.id}` });
  });

  it('opens the cluster ports to the VNet only, with SSH only from the given CIDR', () => {
    const rules = resourcesOf(defaults, 'azurerm_network_security_rule').map(([, rule]) => rule);
    expect(rules.map((rule) => rule.destination_port_range).sort()).toEqual(['6380', '6381', '6382', '8265']);
    expect(rules.every((rule) => rule.source_address_prefix === '10.42.0.0/16' && rule.direction === 'Inbound')).toBe(true);
    const withSsh = synthCloud('azure', { access: { sshCidr: '198.51.100.0/24' } });
    const ssh = resourcesOf(withSsh, 'azurerm_network_security_rule').map(([, rule]) => rule).filter((rule) => rule.destination_port_range === '22');
    expect(ssh).toHaveLength(1);
    expect(ssh[0]!.source_address_prefix).toBe('198.51.100.0/24');
    expect(resourceNamed(defaults, 'azurerm_subnet_network_security_group_association', 'nsg')[1].subnet_id).toBe(
      `\${${address(defaults, 'azurerm_subnet', 'cluster')}.id}`,
    );
  });

  it('sizes scale sets through autoscale bounds, GPU min 0, with spot on request', () => {
    const bounds = (json: TerraformJson, group: string) =>
      block(block(resourceNamed(json, 'azurerm_monitor_autoscale_setting', group)[1].profile).capacity);
    expect(bounds(defaults, 'cpu-workers')).toEqual({ minimum: 1, maximum: 4, default: 2 });
    expect(bounds(defaults, 'gpu-workers')).toEqual({ minimum: 0, maximum: 2, default: 0 });
    expect(resourceNamed(defaults, 'azurerm_monitor_autoscale_setting', 'gpu-workers')[1].target_resource_id).toBe(
      `\${${address(defaults, 'azurerm_linux_virtual_machine_scale_set', 'gpu-workers')}.id}`,
    );
    const [, gpu] = resourceNamed(defaults, 'azurerm_linux_virtual_machine_scale_set', 'gpu-workers');
    expect(gpu).toMatchObject({ sku: 'Standard_NC4as_T4_v3', instances: 0, priority: 'Regular' });

    const spot = synthCloud('azure', { gpuWorkers: { spot: true, min: 0, max: 6, desired: 1 } });
    expect(resourceNamed(spot, 'azurerm_linux_virtual_machine_scale_set', 'gpu-workers')[1]).toMatchObject({
      priority: 'Spot',
      eviction_policy: 'Delete',
      instances: 1,
    });
    expect(bounds(spot, 'gpu-workers')).toEqual({ minimum: 0, maximum: 6, default: 1 });
  });

  it('grants the managed identity the lake container and the token secret, nothing wider', () => {
    const identity = address(defaults, 'azurerm_user_assigned_identity', 'identity');
    const grants = resourcesOf(defaults, 'azurerm_role_assignment')
      .map(([, grant]) => grant)
      .filter((grant) => grant.principal_id === `\${${identity}.principal_id}`);
    expect(grants.map((grant) => [grant.role_definition_name, grant.scope]).sort()).toEqual(
      [
        ['Key Vault Secrets User', `\${${address(defaults, 'azurerm_key_vault_secret', 'token')}.resource_versionless_id}`],
        ['Storage Blob Data Contributor', `\${${address(defaults, 'azurerm_storage_container', 'lake')}.id}`],
      ].sort(),
    );
    for (const [, vmss] of resourcesOf(defaults, 'azurerm_linux_virtual_machine_scale_set')) {
      expect(block(vmss.identity)).toEqual({ type: 'UserAssigned', identity_ids: [`\${${identity}.id}`] });
      expect(vmss.disable_password_authentication).toBe(true);
    }
    expect(block(resourceNamed(defaults, 'azurerm_key_vault', 'vault')[1]).rbac_authorization_enabled).toBe(true);
    expect(resourceNamed(defaults, 'azurerm_key_vault_secret', 'token')[1].value).toBe('${random_password.cluster-token.result}');
  });

  it('boots the head and joins workers to its private IP, reading the token with the identity', () => {
    const nic = address(defaults, 'azurerm_network_interface', 'head');
    const identity = address(defaults, 'azurerm_user_assigned_identity', 'identity');
    const head = readBootstrap(resourceNamed(defaults, 'azurerm_linux_virtual_machine', 'head')[1].custom_data);
    expect(head.base64).toBe(true);
    expect(head.execStart).toContain('convoy start --head');
    expect(head.script).toContain(`&client_id=\${${identity}.client_id}'`);
    expect(head.script).toContain(`.vault.azure.net/secrets/cluster-token?api-version=7.4`);

    const cpu = readBootstrap(resourceNamed(defaults, 'azurerm_linux_virtual_machine_scale_set', 'cpu-workers')[1].custom_data);
    const gpu = readBootstrap(resourceNamed(defaults, 'azurerm_linux_virtual_machine_scale_set', 'gpu-workers')[1].custom_data);
    expect(cpu.execStart).toContain(`--address \${${nic}.private_ip_address}:6380`);
    expect(cpu.execStart).toContain('--num-gpus 0');
    expect(gpu.execStart).toContain(`--address \${${nic}.private_ip_address}:6380`);
    expect(gpu.execStart).toContain('--num-gpus 1');
  });

  it('derives valid globally unique names from long cluster names', () => {
    // The 12-character cut for the vault ends on a dash, which must not double up with "-kv-".
    const json = synthCloud('azure', { name: 'traffic-eu1-west-b' });
    expect(resourceNamed(json, 'azurerm_key_vault', 'vault')[1].name).toBe('traffic-eu1-kv-${random_id.name-suffix.hex}');
    expect(resourceNamed(json, 'azurerm_storage_account', 'lake')[1].name).toBe('trafficeu1westlake${random_id.name-suffix.hex}');
  });

  it('generates an SSH key only when none is configured', () => {
    expect(resourcesOf(defaults, 'tls_private_key')).toHaveLength(1);
    const key = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 ops@example';
    const json = synthCloud('azure', { access: { sshPublicKey: key } });
    expect(resourcesOf(json, 'tls_private_key')).toHaveLength(0);
    expect(block(resourceNamed(json, 'azurerm_linux_virtual_machine', 'head')[1].admin_ssh_key).public_key).toBe(key);
  });

  it('outputs the head private address and the lake URL', () => {
    expect(defaults.output[OUTPUTS.headPrivateIp]!.value).toBe(`\${${address(defaults, 'azurerm_network_interface', 'head')}.private_ip_address}`);
    expect(defaults.output[OUTPUTS.lakeUrl]!.value).toBe(`\${${address(defaults, 'azurerm_storage_account', 'lake')}.primary_blob_endpoint}lake`);
  });

  it('uses an existing Key Vault secret instead of creating a vault', () => {
    const id = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops/providers/Microsoft.KeyVault/vaults/ops-kv/secrets/convoy-token';
    const json = synthCloud('azure', { clusterToken: { existingSecret: id } });
    expect(resourcesOf(json, 'azurerm_key_vault')).toHaveLength(0);
    expect(resourcesOf(json, 'azurerm_role_assignment').map(([, grant]) => grant.scope)).toContain(id);
    const head = readBootstrap(resourceNamed(json, 'azurerm_linux_virtual_machine', 'head')[1].custom_data);
    expect(head.script).toContain("'https://ops-kv.vault.azure.net/secrets/convoy-token?api-version=7.4'");
  });
});
