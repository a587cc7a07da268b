import { describe, expect, it } from 'vitest';
import { OUTPUTS } from '../lib/stacks/cluster-stack.ts';
import { readBootstrap } from './helpers/cloud-config.ts';
import { block, dataNamed, resourceNamed, resourcesOf, synthCloud } from './helpers/synth.ts';
import type { TerraformJson } from './helpers/synth.ts';

const defaults = synthCloud('aws');

function address(json: TerraformJson, type: string, fragment: string): string {
  return `${type}.${resourceNamed(json, type, fragment)[0]}`;
}

describe('AWS stack', () => {
  it('keeps every VM in private subnets behind one NAT gateway, with an S3 gateway endpoint', () => {
    expect(block(defaults.provider.aws).region).toBe('us-east-1');
    const subnets = resourcesOf(defaults, 'aws_subnet');
    expect(subnets.map(([, subnet]) => subnet.cidr_block).sort()).toEqual(['10.42.0.0/20', '10.42.16.0/20', '10.42.255.0/24']);
    expect(subnets.every(([, subnet]) => subnet.map_public_ip_on_launch === false)).toBe(true);
    expect(resourcesOf(defaults, 'aws_nat_gateway')).toHaveLength(1);
    const [, head] = resourceNamed(defaults, 'aws_instance', 'head');
    expect(head.associate_public_ip_address).toBe(false);
    const [, endpoint] = resourceNamed(defaults, 'aws_vpc_endpoint', 's3');
    expect(endpoint).toMatchObject({ service_name: 'com.amazonaws.us-east-1.s3', vpc_endpoint_type: 'Gateway' });
  });

  it('encrypts the lake bucket, blocks public access and refuses plain HTTP', () => {
    const bucket = address(defaults, 'aws_s3_bucket', 'lake');
    const [, encryption] = resourceNamed(defaults, 'aws_s3_bucket_server_side_encryption_configuration', 'lake');
    expect(encryption.bucket).toBe(`\${${bucket}.id}`);
    expect(block(block(encryption.rule).apply_server_side_encryption_by_default).sse_algorithm).toBe('AES256');
    const [, publicAccess] = resourceNamed(defaults, 'aws_s3_bucket_public_access_block', 'lake');
    expect(publicAccess).toMatchObject({
      bucket: `\${${bucket}.id}`,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(block(resourceNamed(defaults, 'aws_s3_bucket_ownership_controls', 'lake')[1].rule).object_ownership).toBe('BucketOwnerEnforced');
    const [, tlsOnly] = dataNamed(defaults, 'aws_iam_policy_document', 'tls-only');
    expect(block(tlsOnly.statement)).toMatchObject({
      effect: 'Deny',
      condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
    });
    expect(resourceNamed(defaults, 'aws_s3_bucket', 'lake')[1].force_destroy).toBe(false);
  });

  it('opens the cluster ports to the VPC only and SSH not at all by default', () => {
    const rules = resourcesOf(defaults, 'aws_vpc_security_group_ingress_rule').map(([, rule]) => rule);
    expect(rules.map((rule) => rule.from_port).sort()).toEqual([6380, 6381, 6382, 8265]);
    expect(rules.every((rule) => rule.cidr_ipv4 === '10.42.0.0/16' && rule.ip_protocol === 'tcp' && rule.from_port === rule.to_port)).toBe(true);
  });

  it('adds client CIDRs to the cluster ports and SSH from the one given CIDR', () => {
    const json = synthCloud('aws', { access: { sshCidr: '203.0.113.7/32', clientCidrs: ['192.168.10.0/24'] } });
    const rules = resourcesOf(json, 'aws_vpc_security_group_ingress_rule').map(([, rule]) => rule);
    const sourcesOf = (port: number): string[] => rules.filter((rule) => rule.from_port === port).map((rule) => String(rule.cidr_ipv4)).sort();
    expect(sourcesOf(6380)).toEqual(['10.42.0.0/16', '192.168.10.0/24']);
    expect(sourcesOf(8265)).toEqual(['10.42.0.0/16', '192.168.10.0/24']);
    expect(sourcesOf(22)).toEqual(['203.0.113.7/32']);
  });

  it('sizes the CPU and GPU groups from the config, GPU able to reach zero', () => {
    const [, cpu] = resourceNamed(defaults, 'aws_autoscaling_group', 'cpu-workers');
    const [, gpu] = resourceNamed(defaults, 'aws_autoscaling_group', 'gpu-workers');
    expect(cpu).toMatchObject({ min_size: 1, max_size: 4, desired_capacity: 2 });
    expect(gpu).toMatchObject({ min_size: 0, max_size: 2, desired_capacity: 0 });
    expect(cpu.vpc_zone_identifier).toHaveLength(2);
    expect(resourceNamed(defaults, 'aws_launch_template', 'gpu-workers')[1].instance_type).toBe('g5.xlarge');
    expect(resourceNamed(defaults, 'aws_launch_template', 'cpu-workers')[1].instance_type).toBe('c6i.2xlarge');
    expect(gpu.tag).toContainEqual({ key: 'convoy-role', value: 'gpu-worker', propagate_at_launch: true });

    const custom = synthCloud('aws', {
      cpuWorkers: { min: 2, max: 10, desired: 5, spot: true },
      gpuWorkers: { min: 0, max: 8, desired: 3, spot: true },
      aws: { gpuInstanceType: 'p5.48xlarge' },
    });
    expect(resourceNamed(custom, 'aws_autoscaling_group', 'cpu-workers')[1]).toMatchObject({ min_size: 2, max_size: 10, desired_capacity: 5, capacity_rebalance: true });
    expect(resourceNamed(custom, 'aws_autoscaling_group', 'gpu-workers')[1]).toMatchObject({ min_size: 0, max_size: 8, desired_capacity: 3 });
    const gpuTemplate = resourceNamed(custom, 'aws_launch_template', 'gpu-workers')[1];
    expect(gpuTemplate.instance_type).toBe('p5.48xlarge');
    expect(block(gpuTemplate.instance_market_options).market_type).toBe('spot');
    expect(resourceNamed(defaults, 'aws_launch_template', 'gpu-workers')[1].instance_market_options).toBeUndefined();
  });

  it('gives VMs an instance profile limited to the lake bucket and the token secret', () => {
    const bucket = address(defaults, 'aws_s3_bucket', 'lake');
    const secret = address(defaults, 'aws_secretsmanager_secret', 'token');
    const [documentName, document] = dataNamed(defaults, 'aws_iam_policy_document', 'lake-and-token');
    const statements = document.statement as { actions: string[]; resources: string[]; effect: string }[];
    expect(statements.flatMap((statement) => statement.resources).sort()).toEqual(
      [`\${${bucket}.arn}`, `\${${bucket}.arn}/*`, `\${${secret}.arn}`].sort(),
    );
    expect(statements.flatMap((statement) => statement.actions)).not.toContain('s3:*');
    expect(resourceNamed(defaults, 'aws_iam_role_policy', 'lake-and-token')[1].policy).toBe(`\${data.aws_iam_policy_document.${documentName}.json}`);
    const profile = address(defaults, 'aws_iam_instance_profile', 'profile');
    expect(resourceNamed(defaults, 'aws_instance', 'head')[1].iam_instance_profile).toBe(`\${${profile}.name}`);
    for (const [, template] of resourcesOf(defaults, 'aws_launch_template')) {
      expect(block(template.iam_instance_profile).name).toBe(`\${${profile}.name}`);
      expect(block(template.metadata_options).http_tokens).toBe('required');
    }
    // The token itself is generated and stored only in the secret.
    const [, version] = resourceNamed(defaults, 'aws_secretsmanager_secret_version', 'token');
    expect(version.secret_string).toMatch(/^\$\{random_password\.cluster-token\.result\}$/);
  });

  it('boots the head with `convoy start --head` and workers against the head private IP', () => {
    const headAddress = address(defaults, 'aws_instance', 'head');
    const secret = address(defaults, 'aws_secretsmanager_secret', 'token');
    const head = readBootstrap(resourceNamed(defaults, 'aws_instance', 'head')[1].user_data);
    expect(head.base64).toBe(false);
    expect(head.execStart).toContain('convoy start --head --host 0.0.0.0 --port 6380 --dashboard-port 8265');
    expect(head.script).toContain(`--secret-id '\${${secret}.arn}'`);

    const cpu = readBootstrap(resourceNamed(defaults, 'aws_launch_template', 'cpu-workers')[1].user_data);
    const gpu = readBootstrap(resourceNamed(defaults, 'aws_launch_template', 'gpu-workers')[1].user_data);
    for (const worker of [cpu, gpu]) {
      expect(worker.base64).toBe(true);
      expect(worker.execStart).toContain(`convoy start --address \${${headAddress}.private_ip}:6380`);
    }
    expect(cpu.execStart).toContain('--num-gpus 0');
    expect(gpu.execStart).toContain('--num-gpus 1');
    expect(gpu.script).toContain('nvidia-driver-550-server');
    expect(head.env).toContain(`CONVOY_LAKE_URL="s3://\${${address(defaults, 'aws_s3_bucket', 'lake')}.bucket}"`);
  });

  it('outputs the head private address and the lake URL', () => {
    expect(defaults.output[OUTPUTS.headPrivateIp]!.value).toBe(`\${${address(defaults, 'aws_instance', 'head')}.private_ip}`);
    expect(defaults.output[OUTPUTS.lakeUrl]!.value).toBe(`s3://\${${address(defaults, 'aws_s3_bucket', 'lake')}.bucket}`);
  });

  it('uses an existing secret instead of creating one', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ops/convoy-token-Ab12Cd';
    const json = synthCloud('aws', { clusterToken: { existingSecret: arn } });
    expect(resourcesOf(json, 'aws_secretsmanager_secret')).toHaveLength(0);
    expect(resourcesOf(json, 'random_password')).toHaveLength(0);
    const statements = dataNamed(json, 'aws_iam_policy_document', 'lake-and-token')[1].statement as { resources: string[] }[];
    expect(statements.flatMap((statement) => statement.resources)).toContain(arn);
    expect(readBootstrap(resourceNamed(json, 'aws_instance', 'head')[1].user_data).script).toContain(`--secret-id '${arn}'`);
  });
});
