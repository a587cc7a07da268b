import { describe, expect, it } from 'vitest';
import { OUTPUTS } from '../lib/stacks/cluster-stack.ts';
import { readBootstrap } from './helpers/cloud-config.ts';
import { block, resourceNamed, resourcesOf, synthCloud } from './helpers/synth.ts';
import type { TerraformJson } from './helpers/synth.ts';

const defaults = synthCloud('gcp', { gcp: { project: 'traffic-prod' } });

function address(json: TerraformJson, type: string, fragment: string): string {
  return `${type}.${resourceNamed(json, type, fragment)[0]}`;
}

describe('GCP stack', () => {
  it('deploys into the configured project, or the provider default when unset', () => {
    expect(block(defaults.provider.google)).toMatchObject({ project: 'traffic-prod', region: 'us-central1', zone: 'us-central1-a' });
    expect(block(defaults.provider.google).credentials).toBeUndefined();
    const implicit = synthCloud('gcp');
    expect(block(implicit.provider.google).project).toBeUndefined();
    expect(resourceNamed(implicit, 'google_secret_manager_secret_iam_member', 'token')[1].project).toBe('${data.google_client_config.client.project}');
  });

  it('keeps VMs without external IPs on a private subnet with Cloud NAT', () => {
    const [, subnet] = resourceNamed(defaults, 'google_compute_subnetwork', 'cluster');
    expect(subnet).toMatchObject({ ip_cidr_range: '10.42.0.0/20', private_ip_google_access: true });
    expect(resourceNamed(defaults, 'google_compute_network', 'vpc')[1].auto_create_subnetworks).toBe(false);
    expect(resourcesOf(defaults, 'google_compute_router_nat')).toHaveLength(1);
    const [, head] = resourceNamed(defaults, 'google_compute_instance', 'head');
    expect(block(head.network_interface).access_config).toBeUndefined();
    for (const [, template] of resourcesOf(defaults, 'google_compute_instance_template')) {
      expect(block(template.network_interface).access_config).toBeUndefined();
    }
  });

  it('makes the lake bucket private with uniform access', () => {
    const [, bucket] = resourceNamed(defaults, 'google_storage_bucket', 'lake');
    expect(bucket).toMatchObject({ public_access_prevention: 'enforced', uniform_bucket_level_access: true, force_destroy: false, location: 'US-CENTRAL1' });
  });

  it('opens the cluster ports to the network only, SSH only when asked', () => {
    const rules = resourcesOf(defaults, 'google_compute_firewall').map(([, rule]) => rule);
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ direction: 'INGRESS', source_ranges: ['10.42.0.0/16'], target_tags: ['convoy'] });
    expect(block(rules[0]!.allow)).toEqual({ protocol: 'tcp', ports: ['6380', '6381', '6382', '8265'] });

    const withSsh = synthCloud('gcp', { access: { sshCidr: '203.0.113.0/28', clientCidrs: ['172.16.0.0/12'] } });
    const cluster = resourceNamed(withSsh, 'google_compute_firewall', 'allow-cluster')[1];
    expect(cluster.source_ranges).toEqual(['10.42.0.0/16', '172.16.0.0/12']);
    const ssh = resourceNamed(withSsh, 'google_compute_firewall', 'allow-ssh')[1];
    expect(ssh.source_ranges).toEqual(['203.0.113.0/28']);
    expect(block(ssh.allow).ports).toEqual(['22']);
  });

  it('sizes the instance groups and records their bounds, GPU group able to reach zero', () => {
    const size = (json: TerraformJson, group: string) => resourceNamed(json, 'google_compute_instance_group_manager', group)[1].target_size;
    const bounds = (json: TerraformJson, group: string) => block(resourceNamed(json, 'google_compute_autoscaler', group)[1].autoscaling_policy);
    expect(size(defaults, 'cpu-workers')).toBe(2);
    expect(bounds(defaults, 'cpu-workers')).toMatchObject({ min_replicas: 1, max_replicas: 4 });
    expect(size(defaults, 'gpu-workers')).toBe(0);
    expect(bounds(defaults, 'gpu-workers')).toMatchObject({ min_replicas: 0, max_replicas: 2 });
    expect(resourceNamed(defaults, 'google_compute_autoscaler', 'gpu-workers')[1].target).toBe(
      `\${${address(defaults, 'google_compute_instance_group_manager', 'gpu-workers')}.id}`,
    );
    const gpuTemplate = resourceNamed(defaults, 'google_compute_instance_template', 'gpu-workers')[1];
    expect(gpuTemplate.machine_type).toBe('g2-standard-4');
    expect(block(gpuTemplate.scheduling).on_host_maintenance).toBe('TERMINATE');

    const custom = synthCloud('gcp', {
      gpuWorkers: { min: 0, max: 4, desired: 2, spot: true, gpusPerNode: 2 },
      gcp: { gpuMachineType: 'n1-standard-16', gpuAcceleratorType: 'nvidia-tesla-t4' },
    });
    const template = resourceNamed(custom, 'google_compute_instance_template', 'gpu-workers')[1];
    expect(block(template.guest_accelerator)).toEqual({ type: 'nvidia-tesla-t4', count: 2 });
    expect(block(template.scheduling)).toMatchObject({ provisioning_model: 'SPOT', preemptible: true, automatic_restart: false });
    expect(size(custom, 'gpu-workers')).toBe(2);
    expect(readBootstrap(template.metadata['user-data']).execStart).toContain('--num-gpus 2');
  });

  it('binds the service account to the lake bucket and the token secret only', () => {
    const member = `serviceAccount:\${${address(defaults, 'google_service_account', 'account')}.email}`;
    const [, bucketGrant] = resourceNamed(defaults, 'google_storage_bucket_iam_member', 'lake');
    expect(bucketGrant).toMatchObject({ member, role: 'roles/storage.objectAdmin', bucket: `\${${address(defaults, 'google_storage_bucket', 'lake')}.name}` });
    const [, secretGrant] = resourceNamed(defaults, 'google_secret_manager_secret_iam_member', 'token');
    expect(secretGrant).toMatchObject({
      member,
      role: 'roles/secretmanager.secretAccessor',
      secret_id: `\${${address(defaults, 'google_secret_manager_secret', 'token')}.secret_id}`,
    });
    expect(resourcesOf(defaults, 'google_project_iam_member')).toHaveLength(0);
    const [, head] = resourceNamed(defaults, 'google_compute_instance', 'head');
    expect(block(head.service_account).email).toBe(`\${${address(defaults, 'google_service_account', 'account')}.email}`);
  });

  it('boots the head and joins workers to its private IP, reading the token from Secret Manager', () => {
    const head = address(defaults, 'google_compute_instance', 'head');
    const bootstrap = readBootstrap(resourceNamed(defaults, 'google_compute_instance', 'head')[1].metadata['user-data']);
    expect(bootstrap.execStart).toContain('convoy start --head');
    expect(bootstrap.script).toContain(
      `secretmanager.googleapis.com/v1/projects/traffic-prod/secrets/\${${address(defaults, 'google_secret_manager_secret', 'token')}.secret_id}/versions/latest:access`,
    );
    for (const group of ['cpu-workers', 'gpu-workers']) {
      const worker = readBootstrap(resourceNamed(defaults, 'google_compute_instance_template', group)[1].metadata['user-data']);
      expect(worker.execStart).toContain(`--address \${${head}.network_interface[0].network_ip}:6380`);
    }
  });

  it('outputs the head private address and the lake URL', () => {
    const head = address(defaults, 'google_compute_instance', 'head');
    expect(defaults.output[OUTPUTS.headPrivateIp]!.value).toBe(`\${${head}.network_interface[0].network_ip}`);
    expect(defaults.output[OUTPUTS.lakeUrl]!.value).toBe(`gs://\${${address(defaults, 'google_storage_bucket', 'lake')}.name}`);
  });

  it('uses an existing secret instead of creating one', () => {
    const json = synthCloud('gcp', { clusterToken: { existingSecret: 'projects/ops-project/secrets/convoy-token' } });
    expect(resourcesOf(json, 'google_secret_manager_secret')).toHaveLength(0);
    expect(resourceNamed(json, 'google_secret_manager_secret_iam_member', 'token')[1]).toMatchObject({ project: 'ops-project', secret_id: 'convoy-token' });
  });
});
