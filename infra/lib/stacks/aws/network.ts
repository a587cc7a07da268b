/**
 * AWS network: a VPC whose VMs have no public addresses. Cluster subnets (one per availability zone) reach
 * the internet (NodeSource, npm, AWS APIs) through one NAT gateway in a small public subnet, and the lake
 * through a free S3 gateway endpoint, so bulk lake traffic never pays NAT charges.
 */
import { Construct, Fn } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import {
  DataAwsAvailabilityZones,
  Eip,
  InternetGateway,
  NatGateway,
  RouteTable,
  RouteTableAssociation,
  Subnet,
  Vpc,
  VpcEndpoint,
} from '../../providers/aws.ts';

export class AwsNetwork extends Construct {
  readonly vpc: Vpc;
  readonly clusterSubnets: Subnet[];

  constructor(scope: Construct, id: string, config: ClusterConfig) {
    super(scope, id);
    const { name, network } = config;
    const zones = new DataAwsAvailabilityZones(this, 'zones', { state: 'available' });

    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: network.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: `${name}-vpc` },
    });

    this.clusterSubnets = network.clusterSubnets.map(
      (cidr, index) =>
        new Subnet(this, `cluster-${index}`, {
          vpcId: this.vpc.id,
          cidrBlock: cidr,
          availabilityZone: Fn.element(zones.names, index),
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-cluster-${index}` },
        }),
    );

    const natSubnet = new Subnet(this, 'nat', {
      vpcId: this.vpc.id,
      cidrBlock: network.natSubnet,
      availabilityZone: Fn.element(zones.names, 0),
      mapPublicIpOnLaunch: false,
      tags: { Name: `${name}-nat` },
    });
    const gateway = new InternetGateway(this, 'internet', { vpcId: this.vpc.id, tags: { Name: `${name}-igw` } });
    const natAddress = new Eip(this, 'nat-address', { domain: 'vpc', tags: { Name: `${name}-nat` } });
    const nat = new NatGateway(this, 'nat-gateway', {
      allocationId: natAddress.allocationId,
      subnetId: natSubnet.id,
      tags: { Name: `${name}-nat` },
      dependsOn: [gateway],
    });

    const publicRoutes = new RouteTable(this, 'public-routes', {
      vpcId: this.vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: gateway.id }],
      tags: { Name: `${name}-public` },
    });
    new RouteTableAssociation(this, 'nat-routes', { subnetId: natSubnet.id, routeTableId: publicRoutes.id });

    const privateRoutes = new RouteTable(this, 'private-routes', {
      vpcId: this.vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
      tags: { Name: `${name}-private` },
    });
    this.clusterSubnets.forEach(
      (subnet, index) =>
        new RouteTableAssociation(this, `cluster-routes-${index}`, { subnetId: subnet.id, routeTableId: privateRoutes.id }),
    );

    new VpcEndpoint(this, 's3-endpoint', {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${config.aws.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: [privateRoutes.id],
      tags: { Name: `${name}-s3` },
    });
  }
}
