import { describe, expect, it } from 'vitest';
import { ConfigError, UnknownCloudError, applyContextOverrides, parseCloud, parseClusterConfig } from '../lib/config/parse.ts';
import { cidrContains } from '../lib/config/schema.ts';
import { TEST_PACKAGE } from './helpers/synth.ts';

function issuesOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('cluster configuration', () => {
  it('fills in a small cluster from nothing but the package', () => {
    const config = parseClusterConfig({ convoyPackage: TEST_PACKAGE }, 'aws');
    expect(config.name).toBe('convoy');
    expect(config.network).toEqual({ cidr: '10.42.0.0/16', clusterSubnets: ['10.42.0.0/20', '10.42.16.0/20'], natSubnet: '10.42.255.0/24' });
    expect(config.cpuWorkers).toMatchObject({ min: 1, max: 4, desired: 2, spot: false });
    expect(config.gpuWorkers).toMatchObject({ min: 0, max: 2, desired: 0, spot: false, gpusPerNode: 1 });
    expect(config.access.sshCidr).toBeUndefined();
    expect(config.access.clientCidrs).toEqual([]);
    expect(config.aws.region).toBe('us-east-1');
    expect(config.lake.forceDestroy).toBe(false);
  });

  it('requires convoyPackage and says where to set it', () => {
    const issues = issuesOf(() => parseClusterConfig({}, 'gcp'));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('convoyPackage');
    expect(issues[0]!.message).toContain('--context convoyPackage=');
  });

  it('reports every bad field at once, by path', () => {
    const issues = issuesOf(() =>
      parseClusterConfig(
        {
          convoyPackage: TEST_PACKAGE,
          name: 'Bad_Name',
          cpuWorkers: { min: 3, desired: 2, max: 4 },
          network: { cidr: '10.42.0.0/16', clusterSubnets: ['10.42.0.0/20', '10.99.0.0/20'], natSubnet: '10.42.8.0/24' },
          access: { sshCidr: '10.0.0.0/33' },
        },
        'aws',
      ),
    );
    const paths = issues.map((issue) => issue.path);
    expect(paths).toContain('name');
    expect(paths).toContain('access.sshCidr');
    expect(paths).toContain('cpuWorkers');
    expect(paths).toContain('network.clusterSubnets.1');
    expect(issues.find((issue) => issue.path === 'cpuWorkers')!.message).toContain('min 3, desired 2, max 4');
    // 10.42.8.0/24 sits inside the first cluster subnet 10.42.0.0/20.
    expect(issues.some((issue) => issue.path === 'network' && issue.message.includes('overlap'))).toBe(true);
  });

  it('checks the existing token secret against the chosen cloud', () => {
    const awsArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:convoy/token-AbCdEf';
    const azureId =
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops/providers/Microsoft.KeyVault/vaults/ops-kv/secrets/convoy-token';
    const gcpName = 'projects/my-project/secrets/convoy-token';
    expect(parseClusterConfig({ convoyPackage: TEST_PACKAGE, clusterToken: { existingSecret: awsArn } }, 'aws').clusterToken.existingSecret).toBe(awsArn);
    expect(parseClusterConfig({ convoyPackage: TEST_PACKAGE, clusterToken: { existingSecret: azureId } }, 'azure').clusterToken.existingSecret).toBe(azureId);
    expect(parseClusterConfig({ convoyPackage: TEST_PACKAGE, clusterToken: { existingSecret: gcpName } }, 'gcp').clusterToken.existingSecret).toBe(gcpName);

    const issues = issuesOf(() => parseClusterConfig({ convoyPackage: TEST_PACKAGE, clusterToken: { existingSecret: gcpName } }, 'aws'));
    expect(issues[0]).toMatchObject({ path: 'clusterToken.existingSecret' });
    expect(issues[0]!.message).toContain('Secrets Manager ARN');
    // The value itself never appears: secret ids and env values may be sensitive.
    expect(issues[0]!.message).not.toContain(gcpName);
  });

  it('applies cloud-specific naming rules', () => {
    const azure = issuesOf(() => parseClusterConfig({ convoyPackage: TEST_PACKAGE, lake: { bucketName: 'my-lake' } }, 'azure'));
    expect(azure[0]).toMatchObject({ path: 'lake.bucketName' });
    expect(parseClusterConfig({ convoyPackage: TEST_PACKAGE, lake: { bucketName: 'my-lake' } }, 'aws').lake.bucketName).toBe('my-lake');
    const gcp = issuesOf(() => parseClusterConfig({ convoyPackage: TEST_PACKAGE, gcp: { region: 'europe-west4', zone: 'us-central1-a' } }, 'gcp'));
    expect(gcp[0]).toMatchObject({ path: 'gcp.zone' });
    const aws = issuesOf(() => parseClusterConfig({ convoyPackage: TEST_PACKAGE, network: { clusterSubnets: ['10.42.0.0/20'] } }, 'aws'));
    expect(aws[0]).toMatchObject({ path: 'network.clusterSubnets' });
  });

  it('rejects package specs that are not installable sources', () => {
    expect(issuesOf(() => parseClusterConfig({ convoyPackage: 'rm -rf /' }, 'aws'))[0]!.path).toBe('convoyPackage');
    for (const spec of ['convoy@0.1.0', 'github:acme/convoy#main', 'https://example.com/convoy-0.1.0.tgz', 'git+ssh://git@github.com/acme/convoy.git']) {
      expect(parseClusterConfig({ convoyPackage: spec }, 'aws').convoyPackage).toBe(spec);
    }
  });

  it('lets context override single values without touching the rest', () => {
    const base = { convoyPackage: TEST_PACKAGE, aws: { region: 'eu-west-1', headInstanceType: 'm7i.large' } };
    const context: Record<string, string> = { awsRegion: 'eu-central-1', name: 'traffic', convoyPackage: 'convoy@1.2.3' };
    const merged = applyContextOverrides(base, (key) => context[key]);
    const config = parseClusterConfig(merged, 'aws');
    expect(config.aws).toMatchObject({ region: 'eu-central-1', headInstanceType: 'm7i.large' });
    expect(config.name).toBe('traffic');
    expect(config.convoyPackage).toBe('convoy@1.2.3');
  });

  it('knows the three clouds and nothing else', () => {
    expect(parseCloud('azure')).toBe('azure');
    expect(() => parseCloud('mars')).toThrow(UnknownCloudError);
    expect(() => parseCloud('mars')).toThrow(/--context cloud=aws/);
  });

  it('tells whether one CIDR lies inside another', () => {
    expect(cidrContains('10.42.0.0/16', '10.42.16.0/20')).toBe(true);
    expect(cidrContains('10.42.0.0/16', '10.43.0.0/20')).toBe(false);
    expect(cidrContains('10.42.0.0/16', '10.0.0.0/8')).toBe(false);
    expect(cidrContains('10.42.0.0/20', '10.42.15.0/24')).toBe(true);
  });
});
