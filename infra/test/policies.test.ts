import { describe, expect, it } from 'vitest';
import { CLOUDS } from '../lib/config/schema.ts';
import type { Cloud } from '../lib/config/schema.ts';
import { PolicyViolationError } from '../lib/policy/index.ts';
import { AutoscalingGroup, AwsProvider, LaunchTemplate, S3Bucket, SecretsmanagerSecretVersion, SecurityGroup } from '../lib/providers/aws.ts';
import { LinuxVirtualMachineScaleSet, NetworkSecurityRule, StorageAccount, StorageContainer } from '../lib/providers/azure.ts';
import { ComputeFirewall, GoogleProvider, StorageBucket, StorageBucketIamMember } from '../lib/providers/gcp.ts';
import type { ClusterStack } from '../lib/stacks/cluster-stack.ts';
import { buildStack, synth } from './helpers/synth.ts';
import type { ClusterConfigFile } from '../lib/config/schema.ts';

/** Synthesizes and returns the policy error, failing the test when synthesis succeeds or fails otherwise. */
function violation(stack: ClusterStack): PolicyViolationError {
  try {
    synth(stack);
  } catch (error) {
    if (error instanceof PolicyViolationError) return error;
    throw error;
  }
  throw new Error('synthesis passed but a policy should have failed it');
}

function violationFor(cloud: Cloud, config: Partial<ClusterConfigFile>): PolicyViolationError {
  return violation(buildStack(cloud, config));
}

describe('policies', () => {
  it.each(CLOUDS)('let the default %s cluster through', (cloud) => {
    expect(() => synth(buildStack(cloud))).not.toThrow();
  });

  describe('no-public-cluster-ports', () => {
    it.each([
      ['aws', 'aws_vpc_security_group_ingress_rule'],
      ['azure', 'azurerm_network_security_rule'],
      ['gcp', 'google_compute_firewall'],
    ] as const)('rejects %s client CIDRs of 0.0.0.0/0, naming the rule', (cloud, type) => {
      const error = violationFor(cloud, { access: { clientCidrs: ['0.0.0.0/0'] } });
      expect(error.rule).toBe('no-public-cluster-ports');
      expect(error.violations[0]!.resource.startsWith(`${type}.`)).toBe(true);
      expect(error.message).toContain('no-public-cluster-ports');
      expect(error.message).toMatch(/6380|6381|8265/);
    });

    it('rejects SSH from anywhere with advice about sshCidr', () => {
      const error = violationFor('aws', { access: { sshCidr: '0.0.0.0/0' } });
      expect(error.violations).toHaveLength(1);
      expect(error.violations[0]!.message).toContain('port(s) 22');
      expect(error.violations[0]!.message).toContain('access.sshCidr');
    });

    it('catches hand-written rules: an all-ports security group, a world NSG range, a firewall with no sources', () => {
      const aws = buildStack('aws');
      new SecurityGroup(aws, 'wide-open', {
        ingress: [{ fromPort: 0, toPort: 65535, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'] }],
      });
      expect(violation(aws).violations[0]).toMatchObject({ resource: 'aws_security_group.wide-open', path: 'test-aws/wide-open' });

      const azure = buildStack('azure');
      new NetworkSecurityRule(azure, 'range', {
        name: 'range',
        resourceGroupName: 'rg',
        networkSecurityGroupName: 'nsg',
        priority: 4000,
        direction: 'Inbound',
        access: 'Allow',
        protocol: '*',
        sourceAddressPrefix: 'Internet',
        sourcePortRange: '*',
        destinationPortRange: '6000-7000',
        destinationAddressPrefix: '*',
      });
      expect(violation(azure).violations[0]!.message).toContain('6380, 6381');

      const gcp = buildStack('gcp');
      new ComputeFirewall(gcp, 'no-sources', { name: 'no-sources', network: 'default', allow: [{ protocol: 'tcp', ports: ['8265'] }] });
      expect(violation(gcp).violations[0]!.resource).toBe('google_compute_firewall.no-sources');
    });

    it('leaves rules for other ports or private sources alone', () => {
      const aws = buildStack('aws');
      new SecurityGroup(aws, 'https', { ingress: [{ fromPort: 443, toPort: 443, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'] }] });
      new SecurityGroup(aws, 'private', { ingress: [{ fromPort: 6380, toPort: 6380, protocol: 'tcp', cidrBlocks: ['10.0.0.0/8'] }] });
      expect(() => synth(aws)).not.toThrow();
    });
  });

  describe('private-encrypted-buckets', () => {
    it('rejects an S3 bucket with no encryption configuration or public access block', () => {
      const stack = buildStack('aws');
      new S3Bucket(stack, 'scratch', { bucket: 'scratch-bucket' });
      const error = violation(stack);
      expect(error.rule).toBe('private-encrypted-buckets');
      expect(error.violations.map((v) => v.resource)).toEqual(['aws_s3_bucket.scratch', 'aws_s3_bucket.scratch']);
      expect(error.message).toContain('server_side_encryption_configuration');
      expect(error.message).toContain('public_access_block');
    });

    it('rejects an Azure storage account left open to anonymous access or without infrastructure encryption', () => {
      const stack = buildStack('azure');
      new StorageAccount(stack, 'open', {
        name: 'openaccount',
        location: 'eastus',
        resourceGroupName: 'rg',
        accountTier: 'Standard',
        accountReplicationType: 'LRS',
      });
      const error = violation(stack);
      expect(error.violations[0]!.resource).toBe('azurerm_storage_account.open');
      expect(error.message).toContain('allow_nested_items_to_be_public');
      expect(error.message).toContain('infrastructure_encryption_enabled');
    });

    it('rejects a public blob container', () => {
      const stack = buildStack('azure');
      new StorageContainer(stack, 'public', { name: 'public', storageAccountId: 'id', containerAccessType: 'blob' });
      expect(violation(stack).violations[0]!.message).toContain('"blob"');
    });

    it('rejects a GCS bucket without enforced public access prevention, and a grant to allUsers', () => {
      const loose = buildStack('gcp');
      new StorageBucket(loose, 'loose', { name: 'loose', location: 'US' });
      expect(violation(loose).message).toContain('public_access_prevention');

      const shared = buildStack('gcp') as ClusterStack & { lake: { bucket: StorageBucket } };
      new StorageBucketIamMember(shared, 'everyone', { bucket: shared.lake.bucket.name, role: 'roles/storage.objectViewer', member: 'allUsers' });
      const error = violation(shared);
      expect(error.violations.map((v) => v.resource)).toContain(`google_storage_bucket.${shared.lake.bucket.friendlyUniqueId}`);
      expect(error.message).toContain('allUsers');
    });
  });

  describe('no-static-credentials', () => {
    it('rejects a key passed through env, without repeating it', () => {
      const error = violationFor('aws', { env: { TOMTOM_API_KEY: 'sk-live-9f8e7d6c5b4a' } });
      expect(error.rule).toBe('no-static-credentials');
      expect(error.message).toContain('secret assigned to an environment variable');
      expect(error.message).not.toContain('sk-live-9f8e7d6c5b4a');
      // Head and both launch templates carry the env file.
      expect(error.violations[0]!.resource.startsWith('aws_')).toBe(true);
    });

    it('lets plain settings through env', () => {
      expect(() => synth(buildStack('gcp', { env: { LOG_LEVEL: 'debug', CONVOY_TOKEN_FILE: '/etc/convoy/token' } }))).not.toThrow();
    });

    it('rejects a package URL with a password in it', () => {
      const error = violationFor('azure', { convoyPackage: 'git+https://bot:ghp_abcdefghijklmnop@github.com/acme/convoy.git#main' });
      expect(error.message).toContain('a password inside a URL');
      expect(error.message).not.toContain('ghp_abcdefghijklmnop');
    });

    it('rejects provider blocks with access keys or credential files inline', () => {
      const aws = buildStack('aws');
      new AwsProvider(aws, 'keyed', { alias: 'keyed', region: 'us-west-2', accessKey: 'AKIAIOSFODNN7EXAMPLE', secretKey: 'wJalrXUtnFEMI' });
      const error = violation(aws);
      expect(error.violations.map((v) => v.resource)).toEqual(['provider.aws.keyed', 'provider.aws.keyed']);
      expect(error.message).toContain('sets access_key');
      expect(error.message).not.toContain('wJalrXUtnFEMI');

      const gcp = buildStack('gcp');
      new GoogleProvider(gcp, 'json', { alias: 'json', credentials: '{"type":"service_account"}' });
      expect(violation(gcp).message).toContain('sets credentials');
    });

    it('rejects a literal written into a secret', () => {
      const stack = buildStack('aws');
      new SecretsmanagerSecretVersion(stack, 'literal', { secretId: 'x', secretString: 'hunter2hunter2' });
      const error = violation(stack);
      expect(error.violations[0]).toMatchObject({ resource: 'aws_secretsmanager_secret_version.literal' });
      expect(error.message).toContain('secret_string is a literal');
    });
  });

  describe('gpu-scale-to-zero', () => {
    it.each([
      ['aws', 'aws_autoscaling_group', 'min_size 1'],
      ['azure', 'azurerm_linux_virtual_machine_scale_set', 'autoscale minimum is 1'],
      ['gcp', 'google_compute_instance_group_manager', 'min_replicas is 1'],
    ] as const)('rejects a %s GPU group with a floor above zero', (cloud, type, detail) => {
      const error = violationFor(cloud, { gpuWorkers: { min: 1, desired: 1, max: 2 } });
      expect(error.rule).toBe('gpu-scale-to-zero');
      expect(error.violations).toHaveLength(1);
      expect(error.violations[0]!.resource).toMatch(new RegExp(`^${type}\\.gpu-workers_`));
      expect(error.violations[0]!.message).toContain(detail);
      expect(error.violations[0]!.message).toContain('gpuWorkers.min');
    });

    it('lets a CPU group keep a floor', () => {
      expect(() => synth(buildStack('aws', { cpuWorkers: { min: 3, desired: 3, max: 5 } }))).not.toThrow();
    });

    it('finds GPU groups by instance type even without the role tag', () => {
      const stack = buildStack('aws');
      const template = new LaunchTemplate(stack, 'p4', { instanceType: 'p4d.24xlarge' });
      new AutoscalingGroup(stack, 'untagged', { minSize: 2, maxSize: 4, launchTemplate: { id: template.id } });
      expect(violation(stack).violations[0]!.resource).toBe('aws_autoscaling_group.untagged');
    });

    it('rejects an Azure GPU scale set with no autoscale bounds at all', () => {
      const stack = buildStack('azure');
      new LinuxVirtualMachineScaleSet(stack, 'bare', {
        name: 'bare',
        location: 'eastus',
        resourceGroupName: 'rg',
        sku: 'Standard_NC24ads_A100_v4',
        adminUsername: 'a',
        networkInterface: [],
        osDisk: { caching: 'ReadWrite', storageAccountType: 'Standard_LRS' },
      });
      expect(violation(stack).violations[0]).toMatchObject({ resource: 'azurerm_linux_virtual_machine_scale_set.bare' });
    });
  });
});
