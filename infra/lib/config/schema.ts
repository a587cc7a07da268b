/**
 * The cluster configuration: one typed object, validated once by zod at the edge (`parseClusterConfig`).
 *
 * Every field has a default that gives a small, cheap cluster: a head VM, two CPU workers (bounds 1 to 4) and
 * a GPU group at zero (bounds 0 to 2). Cloud-specific choices (region, instance types, images) live under
 * `aws`, `azure` and `gcp`; the shape of the cluster (sizes, CIDRs, ports, bootstrap) is shared.
 */
import { BlockList } from 'node:net';
import { z } from 'zod';

export const CLOUDS = ['aws', 'azure', 'gcp'] as const;
export type Cloud = (typeof CLOUDS)[number];

/** True when `inner` lies entirely inside `outer` (both IPv4 CIDRs already validated). */
export function cidrContains(outer: string, inner: string): boolean {
  const [outerAddress, outerBits] = outer.split('/') as [string, string];
  const [innerAddress, innerBits] = inner.split('/') as [string, string];
  const block = new BlockList();
  block.addSubnet(outerAddress, Number(outerBits), 'ipv4');
  // A block with a longer prefix whose first address is inside the outer block lies wholly inside it.
  return Number(innerBits) >= Number(outerBits) && block.check(innerAddress, 'ipv4');
}

const groupSizes = {
  /** Fewest VMs the group may shrink to. */
  min: z.number().int().min(0),
  /** Most VMs the group may grow to. */
  max: z.number().int().min(1).max(1000),
  /** VMs the group starts with. */
  desired: z.number().int().min(0),
  /** Use spot / preemptible capacity (cheaper, may be reclaimed; Convoy retries tasks and trials resume from checkpoints). */
  spot: z.boolean(),
  /** Root disk size in GiB. */
  diskGb: z.number().int().min(20).max(4096),
};

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'environment variable names are UPPER_SNAKE_CASE');
const tagKey = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'tag keys are lowercase letters, digits, "-" and "_" (GCP label rules)');
const tagValue = z.string().regex(/^[a-z0-9_-]{0,63}$/, 'tag values are lowercase letters, digits, "-" and "_" (GCP label rules)');

/** How Convoy gets onto the VMs: `npm install -g <convoyPackage>`. */
const packageSpec = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'required: set convoyPackage in cluster.config.ts, the CONVOY_PACKAGE variable, or --context convoyPackage=git+https://host/org/convoy.git#ref'
        : 'must be a string',
  })
  .min(1)
  .refine(
    (spec) => /^(git\+(https|ssh):\/\/|https:\/\/|github:|gitlab:|[@a-z0-9])/.test(spec) && !/\s/.test(spec),
    'convoyPackage must be a git URL (git+https://host/org/repo.git#ref), an https URL of an npm tarball, github:org/repo#ref, or an npm spec (name@version)',
  );

export const ClusterConfigSchema = z
  .object({
    /**
     * Prefix of every resource name; lowercase letters, digits and "-".
     * @default 'convoy'
     */
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/, 'name is 3 to 20 characters: lowercase letters, digits and "-", starting with a letter')
      .default('convoy'),
    /** Where `npm install -g` finds Convoy: git URL, tarball URL or npm spec. No default: there is no public release yet. */
    convoyPackage: packageSpec,
    /**
     * Node.js major version installed from NodeSource.
     * @default 20
     */
    nodeMajor: z.number().int().min(20).max(30).default(20),
    network: z
      .object({
        /** @default '10.42.0.0/16' */
        cidr: z.cidrv4().default('10.42.0.0/16'),
        /**
         * Private subnets for the head and workers. AWS spreads the worker groups over one per zone; Azure and
         * GCP use the first.
         * @default ['10.42.0.0/20', '10.42.16.0/20']
         */
        clusterSubnets: z.array(z.cidrv4()).min(1).max(6).default(['10.42.0.0/20', '10.42.16.0/20']),
        /**
         * Public subnet that holds only the NAT gateway (AWS); the VMs never get public addresses.
         * @default '10.42.255.0/24'
         */
        natSubnet: z.cidrv4().default('10.42.255.0/24'),
      })
      .prefault({}),
    access: z
      .object({
        /** CIDR allowed to reach SSH (22). Unset: no SSH rule at all (use the cloud's serial console or a bastion). */
        sshCidr: z.cidrv4().optional(),
        /** OpenSSH public key for the `convoy` admin user. Unset on Azure: a throwaway key is generated (kept only in Terraform state). */
        sshPublicKey: z
          .string()
          .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( \S+)?$/, 'sshPublicKey must be one OpenSSH public key line')
          .optional(),
        /**
         * Extra CIDRs (a VPN, an office) allowed to reach the gRPC, object-transfer and dashboard ports.
         * The network's own CIDR is always allowed.
         * @default []
         */
        clientCidrs: z.array(z.cidrv4()).default([]),
      })
      .prefault({}),
    head: z
      .object({
        /** @default 50 */
        diskGb: groupSizes.diskGb.default(50),
      })
      .prefault({}),
    cpuWorkers: z
      .object({
        /** @default 1 */
        min: groupSizes.min.default(1),
        /** @default 4 */
        max: groupSizes.max.default(4),
        /** @default 2 */
        desired: groupSizes.desired.default(2),
        /** @default false */
        spot: groupSizes.spot.default(false),
        /** @default 100 */
        diskGb: groupSizes.diskGb.default(100),
      })
      .prefault({}),
    gpuWorkers: z
      .object({
        /** @default 0 */
        min: groupSizes.min.default(0),
        /** @default 2 */
        max: groupSizes.max.default(2),
        /** @default 0 */
        desired: groupSizes.desired.default(0),
        /** @default false */
        spot: groupSizes.spot.default(false),
        /** @default 200 */
        diskGb: groupSizes.diskGb.default(200),
        /**
         * GPUs on one worker VM, passed as `--num-gpus`; must match the instance type.
         * @default 1
         */
        gpusPerNode: z.number().int().min(1).max(16).default(1),
        /**
         * Ubuntu package with the NVIDIA driver, installed when the image has none. The full (not headless)
         * driver, because training runs WebGPU over Vulkan.
         * @default 'nvidia-driver-550-server'
         */
        driverPackage: z.string().regex(/^[a-z0-9][a-z0-9.+-]*$/).default('nvidia-driver-550-server'),
      })
      .prefault({}),
    lake: z
      .object({
        /** Bucket (S3, GCS) or storage account (Azure) name. Unset: `<name>-lake-<random>` (Azure: no dashes). */
        bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/).optional(),
        /**
         * Let `cdktf destroy` delete a lake that still holds data.
         * @default false
         */
        forceDestroy: z.boolean().default(false),
      })
      .prefault({}),
    clusterToken: z
      .object({
        /**
         * An existing secret that holds the cluster token: an AWS Secrets Manager ARN, an Azure Key Vault
         * secret resource ID (/subscriptions/…/vaults/NAME/secrets/NAME) or a GCP secret (projects/P/secrets/S).
         * Unset: the stack generates a 48-character token (random_password) and stores it in a new secret.
         */
        existingSecret: z.string().min(1).optional(),
      })
      .prefault({}),
    /**
     * Extra environment for every Convoy process (written to /etc/convoy/env). Never put keys here:
     * synthesis fails on anything that looks like a credential; use the cloud's secret store.
     * @default {}
     */
    env: z.record(envName, z.string()).default({}),
    /**
     * Tags (AWS, Azure) / labels (GCP) added to every resource.
     * @default {}
     */
    tags: z.record(tagKey, tagValue).default({}),
    aws: z
      .object({
        /** @default 'us-east-1' */
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/).default('us-east-1'),
        /** @default 'm6i.large' */
        headInstanceType: z.string().default('m6i.large'),
        /** @default 'c6i.2xlarge' */
        cpuInstanceType: z.string().default('c6i.2xlarge'),
        /** @default 'g5.xlarge' */
        gpuInstanceType: z.string().default('g5.xlarge'),
        /** AMI for head and CPU workers. Unset: the newest Canonical Ubuntu 24.04 LTS. */
        amiId: z.string().regex(/^ami-[0-9a-f]+$/).optional(),
        /** AMI for GPU workers. Unset: the same Ubuntu image; cloud-init installs the NVIDIA driver. */
        gpuAmiId: z.string().regex(/^ami-[0-9a-f]+$/).optional(),
      })
      .prefault({}),
    azure: z
      .object({
        /** @default 'eastus' */
        location: z.string().regex(/^[a-z0-9]+$/).default('eastus'),
        /** Subscription to deploy into. Unset: the provider reads ARM_SUBSCRIPTION_ID. */
        subscriptionId: z.uuid().optional(),
        /** @default 'Standard_D2s_v5' */
        headVmSize: z.string().default('Standard_D2s_v5'),
        /** @default 'Standard_F8s_v2' */
        cpuVmSize: z.string().default('Standard_F8s_v2'),
        /** @default 'Standard_NC4as_T4_v3' */
        gpuVmSize: z.string().default('Standard_NC4as_T4_v3'),
      })
      .prefault({}),
    gcp: z
      .object({
        /** Project to deploy into. Unset: the provider's default (GOOGLE_PROJECT or `gcloud config`). */
        project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/).optional(),
        /** @default 'us-central1' */
        region: z.string().regex(/^[a-z]+-[a-z]+\d+$/).default('us-central1'),
        /** @default 'us-central1-a' */
        zone: z.string().regex(/^[a-z]+-[a-z]+\d+-[a-z]$/).default('us-central1-a'),
        /** @default 'e2-standard-2' */
        headMachineType: z.string().default('e2-standard-2'),
        /** @default 'n2-standard-8' */
        cpuMachineType: z.string().default('n2-standard-8'),
        /** G2 machine types come with their L4 GPUs attached. @default 'g2-standard-4' */
        gpuMachineType: z.string().default('g2-standard-4'),
        /** Accelerator to attach to GPU workers for N1 machine types (for example 'nvidia-tesla-t4'). Unset: none (G2/A2/A3 types carry their own). */
        gpuAcceleratorType: z.string().optional(),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    for (const group of ['cpuWorkers', 'gpuWorkers'] as const) {
      const { min, max, desired } = config[group];
      if (!(min <= desired && desired <= max)) {
        ctx.addIssue({
          code: 'custom',
          path: [group],
          message: `${group} needs min <= desired <= max (got min ${min}, desired ${desired}, max ${max})`,
        });
      }
    }
    const subnets = [...config.network.clusterSubnets, config.network.natSubnet];
    for (const [index, subnet] of subnets.entries()) {
      if (!cidrContains(config.network.cidr, subnet)) {
        const path = index < config.network.clusterSubnets.length ? ['network', 'clusterSubnets', index] : ['network', 'natSubnet'];
        ctx.addIssue({ code: 'custom', path, message: `subnet ${subnet} is not inside network.cidr ${config.network.cidr}` });
      }
      for (const other of subnets.slice(index + 1)) {
        if (cidrContains(subnet, other) || cidrContains(other, subnet)) {
          ctx.addIssue({ code: 'custom', path: ['network'], message: `subnets ${subnet} and ${other} overlap` });
        }
      }
    }
  });

/** What a user writes: every field optional except `convoyPackage`. */
export type ClusterConfigInput = z.input<typeof ClusterConfigSchema>;
/** What the stacks receive: every default filled in, every rule checked. */
export type ClusterConfig = z.output<typeof ClusterConfigSchema>;

/** What `cluster.config.ts` exports: `convoyPackage` may come from context or the environment instead. */
export type ClusterConfigFile = Omit<ClusterConfigInput, 'convoyPackage'> & { convoyPackage?: string | undefined };

/** Identity helper that gives `cluster.config.ts` type checking and editor completion. */
export function defineConfig(config: ClusterConfigFile): ClusterConfigFile {
  return config;
}
