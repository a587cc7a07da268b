/**
 * The Convoy cluster on AWS: VPC with private subnets and NAT, S3 lake, an IAM role limited to the lake and
 * the token secret, a security group that opens the cluster ports inside the VPC only, the head instance,
 * and CPU and GPU Auto Scaling groups whose cloud-init joins them to the head.
 */
import { CLUSTER_PORTS } from '../../bootstrap/commands.ts';
import type { Construct } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import { AwsProvider, SecurityGroup, VpcSecurityGroupEgressRule, VpcSecurityGroupIngressRule } from '../../providers/aws.ts';
import { ClusterStack } from '../cluster-stack.ts';
import { clusterTags, roleTags } from '../naming.ts';
import { AwsHead, AwsWorkerGroup, ubuntuAmi } from './compute.ts';
import { AwsNodeIdentity } from './identity.ts';
import { AwsLake } from './lake.ts';
import { AwsNetwork } from './network.ts';

export class AwsClusterStack extends ClusterStack {
  readonly cloud = 'aws' as const;
  readonly network: AwsNetwork;
  readonly lake: AwsLake;
  readonly identity: AwsNodeIdentity;
  readonly securityGroup: SecurityGroup;
  readonly head: AwsHead;
  readonly cpuWorkers: AwsWorkerGroup;
  readonly gpuWorkers: AwsWorkerGroup;

  constructor(scope: Construct, id: string, config: ClusterConfig) {
    super(scope, id, config);
    new AwsProvider(this, 'aws', { region: config.aws.region, defaultTags: [{ tags: clusterTags(config) }] });

    this.network = new AwsNetwork(this, 'network', config);
    this.lake = new AwsLake(this, 'lake', config, this.uniqueSuffix);
    this.identity = new AwsNodeIdentity(this, 'identity', {
      config,
      bucket: this.lake.bucket,
      generatedToken: () => this.generatedToken,
      uniqueSuffix: () => this.uniqueSuffix,
    });
    this.securityGroup = this.clusterSecurityGroup();

    const tokenSource = { kind: 'aws-secrets-manager', region: config.aws.region, secretId: this.identity.tokenSecretArn } as const;
    const lakeUrl = this.lake.url;
    const image = config.aws.amiId ?? ubuntuAmi(this, 'ubuntu').id;
    const vm = { securityGroup: this.securityGroup, instanceProfile: this.identity.instanceProfile };

    this.head = new AwsHead(this, 'head', {
      ...vm,
      imageId: image,
      instanceType: config.aws.headInstanceType,
      diskGb: config.head.diskGb,
      subnet: this.network.clusterSubnets[0]!,
      cloudInit: this.cloudInit('head', { tokenSource, lakeUrl }),
      tags: { ...roleTags(config, 'head'), Name: `${config.name}-head` },
    });
    const headAddress = this.head.instance.privateIp;

    this.cpuWorkers = new AwsWorkerGroup(this, 'cpu-workers', {
      ...vm,
      ...config.cpuWorkers,
      role: 'cpu-worker',
      groupName: `${config.name}-cpu-workers`,
      imageId: image,
      instanceType: config.aws.cpuInstanceType,
      subnets: this.network.clusterSubnets,
      cloudInit: this.cloudInit('cpu-worker', { tokenSource, lakeUrl, headAddress }),
      tags: { ...roleTags(config, 'cpu-worker'), Name: `${config.name}-cpu-worker` },
    });
    this.gpuWorkers = new AwsWorkerGroup(this, 'gpu-workers', {
      ...vm,
      ...config.gpuWorkers,
      role: 'gpu-worker',
      groupName: `${config.name}-gpu-workers`,
      imageId: config.aws.gpuAmiId ?? image,
      instanceType: config.aws.gpuInstanceType,
      subnets: this.network.clusterSubnets,
      cloudInit: this.cloudInit('gpu-worker', { tokenSource, lakeUrl, headAddress }),
      tags: { ...roleTags(config, 'gpu-worker'), Name: `${config.name}-gpu-worker` },
    });

    this.addOutputs({ headPrivateIp: headAddress, lakeUrl, tokenSecret: this.identity.tokenSecretArn });
  }

  /** Cluster ports from the VPC (and clientCidrs) only; SSH from sshCidr only; all egress (installs, APIs). */
  private clusterSecurityGroup(): SecurityGroup {
    const { config } = this;
    const group = new SecurityGroup(this, 'cluster-sg', {
      name: `${config.name}-cluster`,
      description: `Convoy ${config.name}: cluster ports inside the VPC`,
      vpcId: this.network.vpc.id,
    });
    for (const [portName, port] of Object.entries(CLUSTER_PORTS)) {
      this.clusterSourceCidrs.forEach(
        (cidr, index) =>
          new VpcSecurityGroupIngressRule(this, `ingress-${portName}-${index}`, {
            securityGroupId: group.id,
            description: `Convoy ${portName} from ${cidr}`,
            ipProtocol: 'tcp',
            fromPort: port,
            toPort: port,
            cidrIpv4: cidr,
          }),
      );
    }
    if (config.access.sshCidr !== undefined) {
      new VpcSecurityGroupIngressRule(this, 'ingress-ssh', {
        securityGroupId: group.id,
        description: `SSH from ${config.access.sshCidr}`,
        ipProtocol: 'tcp',
        fromPort: 22,
        toPort: 22,
        cidrIpv4: config.access.sshCidr,
      });
    }
    new VpcSecurityGroupEgressRule(this, 'egress-all', {
      securityGroupId: group.id,
      description: 'Installs (NodeSource, npm), AWS APIs and the lake',
      ipProtocol: '-1',
      cidrIpv4: '0.0.0.0/0',
    });
    return group;
  }
}
