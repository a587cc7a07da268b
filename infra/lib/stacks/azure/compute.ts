/**
 * Azure compute: the head as a Linux VM behind a private NIC, and each worker pool as a scale set whose
 * size bounds live in an autoscale setting (min, max, default = desired). Every VM runs Ubuntu 24.04 with
 * the node identity attached and cloud-init as custom data; password login is off.
 */
import { terraformBase64 } from '../../bootstrap/terraform-string.ts';
import type { NodeRole } from '../../bootstrap/commands.ts';
import { Construct } from '../../cdk.ts';
import {
  LinuxVirtualMachine,
  LinuxVirtualMachineScaleSet,
  MonitorAutoscaleSetting,
  NetworkInterface,
} from '../../providers/azure.ts';
import type { ResourceGroup, Subnet, UserAssignedIdentity } from '../../providers/azure.ts';

export const ADMIN_USER = 'convoyadmin';

const UBUNTU_2404 = { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' };

export interface AzureVmProps {
  name: string;
  resourceGroup: ResourceGroup;
  subnet: Subnet;
  identity: UserAssignedIdentity;
  size: string;
  diskGb: number;
  sshPublicKey: string;
  /** Rendered cloud-init (may hold tokens). */
  cloudInit: string;
  tags: Record<string, string>;
}

export class AzureHead extends Construct {
  readonly nic: NetworkInterface;
  readonly vm: LinuxVirtualMachine;

  constructor(scope: Construct, id: string, props: AzureVmProps) {
    super(scope, id);
    const location = props.resourceGroup.location;
    const resourceGroupName = props.resourceGroup.name;
    this.nic = new NetworkInterface(this, 'nic', {
      name: `${props.name}-nic`,
      location,
      resourceGroupName,
      ipConfiguration: [{ name: 'internal', subnetId: props.subnet.id, privateIpAddressAllocation: 'Dynamic' }],
      tags: props.tags,
    });
    this.vm = new LinuxVirtualMachine(this, 'vm', {
      name: props.name,
      location,
      resourceGroupName,
      size: props.size,
      networkInterfaceIds: [this.nic.id],
      adminUsername: ADMIN_USER,
      adminSshKey: [{ username: ADMIN_USER, publicKey: props.sshPublicKey }],
      disablePasswordAuthentication: true,
      osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS', diskSizeGb: props.diskGb },
      sourceImageReference: UBUNTU_2404,
      identity: { type: 'UserAssigned', identityIds: [props.identity.id] },
      customData: terraformBase64(props.cloudInit),
      tags: props.tags,
    });
  }

  get privateIp(): string {
    return this.nic.privateIpAddress;
  }
}

export interface AzureWorkerGroupProps extends AzureVmProps {
  role: Exclude<NodeRole, 'head'>;
  min: number;
  max: number;
  desired: number;
  spot: boolean;
}

export class AzureWorkerGroup extends Construct {
  readonly scaleSet: LinuxVirtualMachineScaleSet;
  readonly autoscale: MonitorAutoscaleSetting;

  constructor(scope: Construct, id: string, props: AzureWorkerGroupProps) {
    super(scope, id);
    const location = props.resourceGroup.location;
    const resourceGroupName = props.resourceGroup.name;
    this.scaleSet = new LinuxVirtualMachineScaleSet(this, 'scale-set', {
      name: props.name,
      location,
      resourceGroupName,
      sku: props.size,
      instances: props.desired,
      adminUsername: ADMIN_USER,
      adminSshKey: [{ username: ADMIN_USER, publicKey: props.sshPublicKey }],
      disablePasswordAuthentication: true,
      osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS', diskSizeGb: props.diskGb },
      sourceImageReference: UBUNTU_2404,
      identity: { type: 'UserAssigned', identityIds: [props.identity.id] },
      customData: terraformBase64(props.cloudInit),
      networkInterface: [
        { name: 'internal', primary: true, ipConfiguration: [{ name: 'internal', primary: true, subnetId: props.subnet.id }] },
      ],
      upgradeMode: 'Manual',
      overprovision: false,
      ...(props.spot ? { priority: 'Spot', evictionPolicy: 'Delete', maxBidPrice: -1 } : { priority: 'Regular' }),
      tags: props.tags,
      // The autoscale setting owns the instance count after the first deploy.
      lifecycle: { ignoreChanges: ['instances'] },
    });
    this.autoscale = new MonitorAutoscaleSetting(this, 'autoscale', {
      name: `${props.name}-bounds`,
      location,
      resourceGroupName,
      targetResourceId: this.scaleSet.id,
      enabled: true,
      profile: [
        {
          name: 'bounds',
          capacity: { minimum: props.min, maximum: props.max, default: props.desired },
        },
      ],
      tags: props.tags,
    });
  }
}
