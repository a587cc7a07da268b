/**
 * GCP network: a custom-mode VPC with one regional subnet (Private Google Access on, so the lake and Secret
 * Manager are reached without public IPs), Cloud NAT for installs, and firewall rules that open the
 * cluster ports to the network (and clientCidrs) only, on VMs tagged `convoy`.
 */
import { CLUSTER_PORT_LIST } from '../../bootstrap/commands.ts';
import { Construct } from '../../cdk.ts';
import type { ITerraformDependable } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import { ComputeFirewall, ComputeNetwork, ComputeRouter, ComputeRouterNat, ComputeSubnetwork } from '../../providers/gcp.ts';

/** Network tag on every Convoy VM; firewall rules target it. */
export const NODE_NETWORK_TAG = 'convoy';

export interface GcpNetworkProps {
  config: ClusterConfig;
  clusterSourceCidrs: string[];
  /** APIs that must be enabled before the network is created. */
  dependsOn: ITerraformDependable[];
}

export class GcpNetwork extends Construct {
  readonly network: ComputeNetwork;
  readonly subnet: ComputeSubnetwork;

  constructor(scope: Construct, id: string, props: GcpNetworkProps) {
    super(scope, id);
    const { config } = props;
    this.network = new ComputeNetwork(this, 'vpc', {
      name: `${config.name}-vpc`,
      autoCreateSubnetworks: false,
      routingMode: 'REGIONAL',
      dependsOn: props.dependsOn,
    });
    this.subnet = new ComputeSubnetwork(this, 'cluster', {
      name: `${config.name}-cluster`,
      network: this.network.id,
      region: config.gcp.region,
      ipCidrRange: config.network.clusterSubnets[0]!,
      privateIpGoogleAccess: true,
    });
    const router = new ComputeRouter(this, 'router', {
      name: `${config.name}-router`,
      network: this.network.id,
      region: config.gcp.region,
    });
    new ComputeRouterNat(this, 'nat', {
      name: `${config.name}-nat`,
      router: router.name,
      region: config.gcp.region,
      natIpAllocateOption: 'AUTO_ONLY',
      sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
    });

    new ComputeFirewall(this, 'allow-cluster', {
      name: `${config.name}-allow-cluster`,
      network: this.network.id,
      direction: 'INGRESS',
      sourceRanges: props.clusterSourceCidrs,
      targetTags: [NODE_NETWORK_TAG],
      allow: [{ protocol: 'tcp', ports: CLUSTER_PORT_LIST.map(String) }],
      description: 'Convoy gRPC, object transfer and dashboard from inside the network',
    });
    if (config.access.sshCidr !== undefined) {
      new ComputeFirewall(this, 'allow-ssh', {
        name: `${config.name}-allow-ssh`,
        network: this.network.id,
        direction: 'INGRESS',
        sourceRanges: [config.access.sshCidr],
        targetTags: [NODE_NETWORK_TAG],
        allow: [{ protocol: 'tcp', ports: ['22'] }],
        description: `SSH from ${config.access.sshCidr}`,
      });
    }
  }
}
