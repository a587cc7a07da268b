/**
 * Azure network: a VNet with one cluster subnet whose VMs have no public IPs, a NAT gateway for outbound
 * installs (Azure retired default outbound access for new subnets), service endpoints so the lake and Key
 * Vault are reached over the Azure backbone, and a network security group that opens the cluster ports to
 * the VNet (and clientCidrs) only.
 */
import { CLUSTER_PORTS } from '../../bootstrap/commands.ts';
import { Construct } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import {
  NatGateway,
  NatGatewayPublicIpAssociation,
  NetworkSecurityGroup,
  NetworkSecurityRule,
  PublicIp,
  Subnet,
  SubnetNatGatewayAssociation,
  SubnetNetworkSecurityGroupAssociation,
  VirtualNetwork,
} from '../../providers/azure.ts';
import type { ResourceGroup } from '../../providers/azure.ts';

export interface AzureNetworkProps {
  config: ClusterConfig;
  resourceGroup: ResourceGroup;
  /** Sources allowed to reach the cluster ports. */
  clusterSourceCidrs: string[];
  tags: Record<string, string>;
}

export class AzureNetwork extends Construct {
  readonly virtualNetwork: VirtualNetwork;
  readonly subnet: Subnet;
  readonly securityGroup: NetworkSecurityGroup;

  constructor(scope: Construct, id: string, props: AzureNetworkProps) {
    super(scope, id);
    const { config, resourceGroup, tags } = props;
    const location = resourceGroup.location;
    const resourceGroupName = resourceGroup.name;

    this.virtualNetwork = new VirtualNetwork(this, 'vnet', {
      name: `${config.name}-vnet`,
      location,
      resourceGroupName,
      addressSpace: [config.network.cidr],
      tags,
    });
    this.subnet = new Subnet(this, 'cluster', {
      name: `${config.name}-cluster`,
      resourceGroupName,
      virtualNetworkName: this.virtualNetwork.name,
      addressPrefixes: [config.network.clusterSubnets[0]!],
      serviceEndpoints: ['Microsoft.Storage', 'Microsoft.KeyVault'],
      defaultOutboundAccessEnabled: false,
    });

    const natAddress = new PublicIp(this, 'nat-ip', {
      name: `${config.name}-nat`,
      location,
      resourceGroupName,
      allocationMethod: 'Static',
      sku: 'Standard',
      tags,
    });
    const nat = new NatGateway(this, 'nat', { name: `${config.name}-nat`, location, resourceGroupName, skuName: 'Standard', tags });
    new NatGatewayPublicIpAssociation(this, 'nat-ip-association', { natGatewayId: nat.id, publicIpAddressId: natAddress.id });
    new SubnetNatGatewayAssociation(this, 'nat-association', { subnetId: this.subnet.id, natGatewayId: nat.id });

    this.securityGroup = new NetworkSecurityGroup(this, 'nsg', { name: `${config.name}-cluster`, location, resourceGroupName, tags });
    let priority = 100;
    for (const [portName, port] of Object.entries(CLUSTER_PORTS)) {
      props.clusterSourceCidrs.forEach((cidr, index) => {
        new NetworkSecurityRule(this, `allow-${portName}-${index}`, {
          name: `allow-${portName}-${index}`,
          resourceGroupName,
          networkSecurityGroupName: this.securityGroup.name,
          priority: priority++,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourcePortRange: '*',
          sourceAddressPrefix: cidr,
          destinationPortRange: String(port),
          destinationAddressPrefix: 'VirtualNetwork',
          description: `Convoy ${portName} from ${cidr}`,
        });
      });
    }
    if (config.access.sshCidr !== undefined) {
      new NetworkSecurityRule(this, 'allow-ssh', {
        name: 'allow-ssh',
        resourceGroupName,
        networkSecurityGroupName: this.securityGroup.name,
        priority: priority++,
        direction: 'Inbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourcePortRange: '*',
        sourceAddressPrefix: config.access.sshCidr,
        destinationPortRange: '22',
        destinationAddressPrefix: 'VirtualNetwork',
        description: `SSH from ${config.access.sshCidr}`,
      });
    }
    new SubnetNetworkSecurityGroupAssociation(this, 'nsg-association', {
      subnetId: this.subnet.id,
      networkSecurityGroupId: this.securityGroup.id,
    });
  }
}
