/**
 * AWS compute: the head as one EC2 instance and each worker pool as an Auto Scaling group over a launch
 * template. Every VM: private subnet only, IMDSv2 required (no token-less metadata for SSRF to reach),
 * encrypted gp3 root volume, the node instance profile, cloud-init as user data.
 */
import { terraformBase64, terraformString } from '../../bootstrap/terraform-string.ts';
import { Construct } from '../../cdk.ts';
import type { NodeRole } from '../../bootstrap/commands.ts';
import { AutoscalingGroup, DataAwsAmi, Instance, LaunchTemplate } from '../../providers/aws.ts';
import type { IamInstanceProfile, SecurityGroup, Subnet } from '../../providers/aws.ts';
import { ROLE_TAG } from '../naming.ts';

/** Canonical's account; its Ubuntu 24.04 LTS images ship cloud-init and snapd. */
const CANONICAL_OWNER = '099720109477';
const UBUNTU_2404_IMAGES = 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*';

export function ubuntuAmi(scope: Construct, id: string): DataAwsAmi {
  return new DataAwsAmi(scope, id, {
    mostRecent: true,
    owners: [CANONICAL_OWNER],
    filter: [
      { name: 'name', values: [UBUNTU_2404_IMAGES] },
      { name: 'virtualization-type', values: ['hvm'] },
    ],
  });
}

const METADATA_OPTIONS = { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 };

export interface AwsVmProps {
  imageId: string;
  instanceType: string;
  diskGb: number;
  securityGroup: SecurityGroup;
  instanceProfile: IamInstanceProfile;
  /** Rendered cloud-init (may hold tokens). */
  cloudInit: string;
  tags: Record<string, string>;
}

export class AwsHead extends Construct {
  readonly instance: Instance;

  constructor(scope: Construct, id: string, props: AwsVmProps & { subnet: Subnet }) {
    super(scope, id);
    this.instance = new Instance(this, 'instance', {
      ami: props.imageId,
      instanceType: props.instanceType,
      subnetId: props.subnet.id,
      associatePublicIpAddress: false,
      vpcSecurityGroupIds: [props.securityGroup.id],
      iamInstanceProfile: props.instanceProfile.name,
      userData: terraformString(props.cloudInit),
      // A changed bootstrap must reach the head; user data only runs on first boot.
      userDataReplaceOnChange: true,
      metadataOptions: METADATA_OPTIONS,
      rootBlockDevice: { volumeSize: props.diskGb, volumeType: 'gp3', encrypted: true },
      tags: props.tags,
      volumeTags: props.tags,
    });
  }
}

export interface AwsWorkerGroupProps extends AwsVmProps {
  role: Exclude<NodeRole, 'head'>;
  groupName: string;
  subnets: Subnet[];
  min: number;
  max: number;
  desired: number;
  spot: boolean;
}

export class AwsWorkerGroup extends Construct {
  readonly launchTemplate: LaunchTemplate;
  readonly group: AutoscalingGroup;

  constructor(scope: Construct, id: string, props: AwsWorkerGroupProps) {
    super(scope, id);
    this.launchTemplate = new LaunchTemplate(this, 'template', {
      namePrefix: `${props.groupName}-`,
      imageId: props.imageId,
      instanceType: props.instanceType,
      vpcSecurityGroupIds: [props.securityGroup.id],
      iamInstanceProfile: { name: props.instanceProfile.name },
      userData: terraformBase64(props.cloudInit),
      updateDefaultVersion: true,
      metadataOptions: METADATA_OPTIONS,
      blockDeviceMappings: [
        {
          deviceName: '/dev/sda1',
          ebs: { volumeSize: props.diskGb, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
        },
      ],
      instanceMarketOptions: props.spot
        ? { marketType: 'spot', spotOptions: { instanceInterruptionBehavior: 'terminate', spotInstanceType: 'one-time' } }
        : undefined,
      tagSpecifications: [
        { resourceType: 'instance', tags: props.tags },
        { resourceType: 'volume', tags: props.tags },
      ],
      tags: props.tags,
    });

    this.group = new AutoscalingGroup(this, 'group', {
      name: props.groupName,
      minSize: props.min,
      maxSize: props.max,
      desiredCapacity: props.desired,
      vpcZoneIdentifier: props.subnets.map((subnet) => subnet.id),
      launchTemplate: { id: this.launchTemplate.id, version: '$Latest' },
      healthCheckType: 'EC2',
      // Spot: start a replacement when AWS warns of a reclaim, instead of after the VM is gone.
      capacityRebalance: props.spot,
      tag: Object.entries({ ...props.tags, [ROLE_TAG]: props.role }).map(([key, value]) => ({
        key,
        value,
        propagateAtLaunch: true,
      })),
    });
  }
}
