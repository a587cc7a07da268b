/**
 * The Azure provider classes the stacks use, imported file by file (the package index loads every
 * resource class). A move to the CDK Terrain fork changes the package prefix here, nothing else.
 */
export { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider/index.js';
export { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config/index.js';
export { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group/index.js';
export { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network/index.js';
export { Subnet } from '@cdktf/provider-azurerm/lib/subnet/index.js';
export { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group/index.js';
export { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule/index.js';
export { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association/index.js';
export { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip/index.js';
export { NatGateway } from '@cdktf/provider-azurerm/lib/nat-gateway/index.js';
export { NatGatewayPublicIpAssociation } from '@cdktf/provider-azurerm/lib/nat-gateway-public-ip-association/index.js';
export { SubnetNatGatewayAssociation } from '@cdktf/provider-azurerm/lib/subnet-nat-gateway-association/index.js';
export { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account/index.js';
export { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container/index.js';
export { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity/index.js';
export { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
export { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault/index.js';
export { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret/index.js';
export { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface/index.js';
export { LinuxVirtualMachine } from '@cdktf/provider-azurerm/lib/linux-virtual-machine/index.js';
export { LinuxVirtualMachineScaleSet } from '@cdktf/provider-azurerm/lib/linux-virtual-machine-scale-set/index.js';
export { MonitorAutoscaleSetting } from '@cdktf/provider-azurerm/lib/monitor-autoscale-setting/index.js';
