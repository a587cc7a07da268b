/**
 * The Convoy cluster on GCP: the needed APIs, a custom VPC with Cloud NAT and firewall rules, a GCS lake, a
 * service account limited to that bucket and the token secret, the head instance, and CPU and GPU managed
 * instance groups whose cloud-init joins them to the head.
 */
import type { Construct } from '../../cdk.ts';
import type { ClusterConfig } from '../../config/schema.ts';
import { DataGoogleClientConfig, GoogleProvider, ProjectService } from '../../providers/gcp.ts';
import { ClusterStack } from '../cluster-stack.ts';
import { clusterTags, roleTags } from '../naming.ts';
import { GcpHead, GcpWorkerGroup } from './compute.ts';
import { GcpNodeIdentity } from './identity.ts';
import { GcpLake } from './lake.ts';
import { GcpNetwork } from './network.ts';

const REQUIRED_APIS = ['compute.googleapis.com', 'secretmanager.googleapis.com', 'storage.googleapis.com', 'iam.googleapis.com'];

export class GcpClusterStack extends ClusterStack {
  readonly cloud = 'gcp' as const;
  readonly network: GcpNetwork;
  readonly lake: GcpLake;
  readonly identity: GcpNodeIdentity;
  readonly head: GcpHead;
  readonly cpuWorkers: GcpWorkerGroup;
  readonly gpuWorkers: GcpWorkerGroup;

  constructor(scope: Construct, id: string, config: ClusterConfig) {
    super(scope, id, config);
    const labels = clusterTags(config);
    new GoogleProvider(this, 'google', {
      project: config.gcp.project,
      region: config.gcp.region,
      zone: config.gcp.zone,
      defaultLabels: labels,
    });
    const project = config.gcp.project ?? new DataGoogleClientConfig(this, 'client', {}).project;
    const apis = REQUIRED_APIS.map(
      (service) => new ProjectService(this, `api-${service.split('.')[0]}`, { service, disableOnDestroy: false }),
    );

    this.network = new GcpNetwork(this, 'network', { config, clusterSourceCidrs: this.clusterSourceCidrs, dependsOn: apis });
    this.lake = new GcpLake(this, 'lake', config, this.uniqueSuffix, labels);
    this.identity = new GcpNodeIdentity(this, 'identity', {
      config,
      project,
      bucket: this.lake.bucket,
      generatedToken: () => this.generatedToken,
      dependsOn: apis,
    });

    const tokenSource = { kind: 'gcp-secret-manager', project: this.identity.secretProject, secret: this.identity.secretName } as const;
    const lakeUrl = this.lake.url;
    const vm = { zone: config.gcp.zone, subnet: this.network.subnet, serviceAccount: this.identity.serviceAccount };

    this.head = new GcpHead(this, 'head', {
      ...vm,
      name: `${config.name}-head`,
      machineType: config.gcp.headMachineType,
      diskGb: config.head.diskGb,
      cloudInit: this.cloudInit('head', { tokenSource, lakeUrl }),
      labels: roleTags(config, 'head'),
    });
    const headAddress = this.head.privateIp;

    this.cpuWorkers = new GcpWorkerGroup(this, 'cpu-workers', {
      ...vm,
      ...config.cpuWorkers,
      role: 'cpu-worker',
      name: `${config.name}-cpu-workers`,
      machineType: config.gcp.cpuMachineType,
      cloudInit: this.cloudInit('cpu-worker', { tokenSource, lakeUrl, headAddress }),
      labels: roleTags(config, 'cpu-worker'),
    });
    this.gpuWorkers = new GcpWorkerGroup(this, 'gpu-workers', {
      ...vm,
      ...config.gpuWorkers,
      role: 'gpu-worker',
      name: `${config.name}-gpu-workers`,
      machineType: config.gcp.gpuMachineType,
      accelerator:
        config.gcp.gpuAcceleratorType !== undefined
          ? { type: config.gcp.gpuAcceleratorType, count: config.gpuWorkers.gpusPerNode }
          : undefined,
      cloudInit: this.cloudInit('gpu-worker', { tokenSource, lakeUrl, headAddress }),
      labels: roleTags(config, 'gpu-worker'),
    });

    this.addOutputs({ headPrivateIp: headAddress, lakeUrl, tokenSecret: this.identity.tokenSecretId });
  }
}
