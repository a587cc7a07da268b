/**
 * GCP compute: the head as one instance and each worker pool as a zonal managed instance group over an
 * instance template, with an autoscaler that records the size bounds. No VM has an external IP; each runs
 * Ubuntu 24.04 with the node service account and cloud-init as `user-data` metadata.
 *
 * The autoscalers run in mode OFF: like the AWS and Azure groups, the group holds `desired` VMs and the
 * bounds are there for whoever scales it (an operator today, a Convoy autoscaler later). A CPU-utilisation
 * autoscaler could never lift a GPU group off zero, which the scale-to-zero policy requires.
 */
import { terraformString } from '../../bootstrap/terraform-string.ts';
import type { NodeRole } from '../../bootstrap/commands.ts';
import { Construct } from '../../cdk.ts';
import { ComputeAutoscaler, ComputeInstance, ComputeInstanceGroupManager, ComputeInstanceTemplate } from '../../providers/gcp.ts';
import type { ComputeSubnetwork, ServiceAccount } from '../../providers/gcp.ts';
import { NODE_NETWORK_TAG } from './network.ts';

export const UBUNTU_2404_IMAGE = 'ubuntu-os-cloud/ubuntu-2404-lts-amd64';
const SCOPES = ['cloud-platform']; // IAM on the service account does the limiting; scopes are legacy.

export interface GcpVmProps {
  name: string;
  zone: string;
  machineType: string;
  diskGb: number;
  subnet: ComputeSubnetwork;
  serviceAccount: ServiceAccount;
  cloudInit: string;
  labels: Record<string, string>;
}

function metadata(cloudInit: string): Record<string, string> {
  return { 'user-data': terraformString(cloudInit), 'block-project-ssh-keys': 'TRUE' };
}

export class GcpHead extends Construct {
  readonly instance: ComputeInstance;

  constructor(scope: Construct, id: string, props: GcpVmProps) {
    super(scope, id);
    this.instance = new ComputeInstance(this, 'instance', {
      name: props.name,
      zone: props.zone,
      machineType: props.machineType,
      bootDisk: { initializeParams: { image: UBUNTU_2404_IMAGE, size: props.diskGb, type: 'pd-balanced' } },
      networkInterface: [{ subnetwork: props.subnet.id }],
      serviceAccount: { email: props.serviceAccount.email, scopes: SCOPES },
      metadata: metadata(props.cloudInit),
      tags: [NODE_NETWORK_TAG, `${NODE_NETWORK_TAG}-head`],
      labels: props.labels,
      shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
      allowStoppingForUpdate: true,
    });
  }

  get privateIp(): string {
    return this.instance.networkInterface.get(0).networkIp;
  }
}

export interface GcpWorkerGroupProps extends GcpVmProps {
  role: Exclude<NodeRole, 'head'>;
  min: number;
  max: number;
  desired: number;
  spot: boolean;
  /** Accelerator to attach (N1 machine types); unset for types that carry their GPUs. */
  accelerator?: { type: string; count: number };
}

export class GcpWorkerGroup extends Construct {
  readonly template: ComputeInstanceTemplate;
  readonly manager: ComputeInstanceGroupManager;
  readonly autoscaler: ComputeAutoscaler;

  constructor(scope: Construct, id: string, props: GcpWorkerGroupProps) {
    super(scope, id);
    const gpu = props.role === 'gpu-worker';
    this.template = new ComputeInstanceTemplate(this, 'template', {
      namePrefix: `${props.name}-`,
      machineType: props.machineType,
      disk: [{ sourceImage: UBUNTU_2404_IMAGE, boot: true, autoDelete: true, diskSizeGb: props.diskGb, diskType: 'pd-balanced' }],
      networkInterface: [{ subnetwork: props.subnet.id }],
      serviceAccount: { email: props.serviceAccount.email, scopes: SCOPES },
      metadata: metadata(props.cloudInit),
      tags: [NODE_NETWORK_TAG, `${NODE_NETWORK_TAG}-worker`],
      labels: props.labels,
      guestAccelerator: props.accelerator ? [props.accelerator] : undefined,
      scheduling: {
        // GPUs cannot live-migrate; spot VMs are deleted, not stopped, when reclaimed.
        onHostMaintenance: gpu || props.spot ? 'TERMINATE' : 'MIGRATE',
        automaticRestart: !props.spot,
        preemptible: props.spot,
        ...(props.spot ? { provisioningModel: 'SPOT', instanceTerminationAction: 'DELETE' } : {}),
      },
      // Templates are immutable: make the new one before the group lets go of the old.
      lifecycle: { createBeforeDestroy: true },
    });
    this.manager = new ComputeInstanceGroupManager(this, 'group', {
      name: props.name,
      zone: props.zone,
      baseInstanceName: props.name,
      version: [{ name: 'primary', instanceTemplate: this.template.selfLinkUnique }],
      targetSize: props.desired,
      allInstancesConfig: { labels: props.labels },
    });
    this.autoscaler = new ComputeAutoscaler(this, 'bounds', {
      name: `${props.name}-bounds`,
      zone: props.zone,
      target: this.manager.id,
      autoscalingPolicy: { mode: 'OFF', minReplicas: props.min, maxReplicas: props.max, cooldownPeriod: 120 },
    });
  }
}
