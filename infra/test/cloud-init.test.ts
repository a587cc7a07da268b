import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BOOTSTRAP_SCRIPT, CloudInitError, SYSTEMD_UNIT, renderCloudInit } from '../lib/bootstrap/cloud-init.ts';
import type { CloudInitOptions } from '../lib/bootstrap/cloud-init.ts';
import { ENV_FILE, TOKEN_FILE } from '../lib/bootstrap/commands.ts';
import { terraformBase64, terraformString } from '../lib/bootstrap/terraform-string.ts';
import { TerraformOutput, Testing } from '../lib/cdk.ts';
import { RandomId, RandomProvider } from '../lib/providers/utility.ts';
import { decodeTerraformString } from './helpers/terraform-string.ts';

interface CloudConfig {
  packages: string[];
  users: unknown[];
  ssh_authorized_keys?: string[];
  write_files: { path: string; permissions: string; content: string }[];
  runcmd: string[][];
}

const base: CloudInitOptions = {
  role: 'head',
  numGpus: 0,
  convoyPackage: 'git+https://github.com/example/convoy.git#v0.1.0',
  nodeMajor: 20,
  tokenSource: { kind: 'gcp-secret-manager', project: 'traffic-prod', secret: 'convoy-cluster-token' },
  env: { CONVOY_LAKE_URL: 'gs://convoy-lake-abc123' },
};

function render(options: Partial<CloudInitOptions>): { text: string; doc: CloudConfig; file: (path: string) => string } {
  const text = renderCloudInit({ ...base, ...options });
  const doc = parse(text) as CloudConfig;
  const file = (path: string): string => {
    const entry = doc.write_files.find((candidate) => candidate.path === path);
    if (!entry) throw new Error(`no ${path} in write_files`);
    return entry.content;
  };
  return { text, doc, file };
}

function execStart(unit: string): string {
  const line = unit.split('\n').find((candidate) => candidate.startsWith('ExecStart='));
  if (!line) throw new Error('no ExecStart');
  return line.slice('ExecStart='.length);
}

describe('cloud-init', () => {
  it('starts the head with the cluster ports and the token file', () => {
    const { text, doc, file } = render({ role: 'head' });
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(execStart(file(SYSTEMD_UNIT))).toBe(
      `/usr/bin/env convoy start --head --host 0.0.0.0 --port 6380 --dashboard-port 8265 --token-file ${TOKEN_FILE} --block`,
    );
    expect(doc.runcmd).toEqual([[BOOTSTRAP_SCRIPT]]);
    expect(file(SYSTEMD_UNIT)).toContain('User=convoy');
    expect(file(SYSTEMD_UNIT)).toContain('Restart=always');
    // A restarted head resumes one store (the env file after it may name Redis), and leaves its jobs running.
    const unit = file(SYSTEMD_UNIT).split('\n');
    expect(unit.indexOf('Environment=CONVOY_STORE=sqlite:/var/lib/convoy/control.db')).toBeLessThan(unit.indexOf(`EnvironmentFile=-${ENV_FILE}`));
    expect(unit.indexOf('Environment=CONVOY_STORE=sqlite:/var/lib/convoy/control.db')).toBeGreaterThan(-1);
    expect(unit).toContain('KillMode=process');
  });

  it('starts a worker against the head address with its GPU count', () => {
    const cpu = render({ role: 'cpu-worker', headAddress: '10.42.0.17', numGpus: 0 });
    expect(execStart(cpu.file(SYSTEMD_UNIT))).toBe(
      `/usr/bin/env convoy start --address 10.42.0.17:6380 --host 0.0.0.0 --port 6381 --data-port 6382 --token-file ${TOKEN_FILE} --num-gpus 0 --block`,
    );
    const gpu = render({ role: 'gpu-worker', headAddress: '10.42.0.17', numGpus: 4, gpuDriverPackage: 'nvidia-driver-560-server' });
    expect(execStart(gpu.file(SYSTEMD_UNIT))).toContain('--address 10.42.0.17:6380');
    expect(execStart(gpu.file(SYSTEMD_UNIT))).toContain('--num-gpus 4');
    expect(gpu.file(BOOTSTRAP_SCRIPT)).toContain(`$APT install -y "linux-headers-$(uname -r)" 'nvidia-driver-560-server' libvulkan1`);
    expect(cpu.file(BOOTSTRAP_SCRIPT)).not.toContain('nvidia');
  });

  it('refuses a worker without a head address', () => {
    expect(() => render({ role: 'cpu-worker' })).toThrow(CloudInitError);
  });

  it('installs Node from NodeSource and Convoy from the configured package', () => {
    const { file } = render({ nodeMajor: 22 });
    const script = file(BOOTSTRAP_SCRIPT);
    expect(script).toContain('https://deb.nodesource.com/setup_22.x');
    expect(script).toContain("grep -q '^v22\\.'");
    expect(script).toContain('has_node || { log "Node.js 22 did not install"; exit 1; }');
    expect(script).toContain("npm install -g --no-fund --no-audit 'git+https://github.com/example/convoy.git#v0.1.0'");
  });

  it.each([
    [
      'gcp-secret-manager',
      { kind: 'gcp-secret-manager', project: 'traffic-prod', secret: 'convoy-cluster-token' },
      'https://secretmanager.googleapis.com/v1/projects/traffic-prod/secrets/convoy-cluster-token/versions/latest:access',
    ],
    [
      'azure-key-vault',
      { kind: 'azure-key-vault', vaultName: 'convoy-kv-abc123', secretName: 'cluster-token', identityClientId: '1111-2222' },
      'https://convoy-kv-abc123.vault.azure.net/secrets/cluster-token?api-version=7.4',
    ],
    [
      'aws-secrets-manager',
      { kind: 'aws-secrets-manager', region: 'eu-west-1', secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:t' },
      "aws secretsmanager get-secret-value --region 'eu-west-1' --secret-id 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:t'",
    ],
  ] as const)('reads the token from %s into a 0600 file without echoing it', (_kind, tokenSource, expected) => {
    const { file } = render({ tokenSource });
    const script = file(BOOTSTRAP_SCRIPT);
    expect(script).toContain(expected);
    expect(script).toContain('umask 077');
    expect(script).toMatch(/retry 30 save_token/);
    expect(script).toContain(`mv ${TOKEN_FILE}.new ${TOKEN_FILE}`);
    // Tracing would print the token into cloud-init-output.log.
    expect(script).not.toMatch(/set -[a-z]*x/);
  });

  it('is valid bash for every role and token source', () => {
    const dir = mkdtempSync(join(tmpdir(), 'convoy-cloud-init-'));
    const sources: CloudInitOptions['tokenSource'][] = [
      base.tokenSource,
      { kind: 'azure-key-vault', vaultName: 'v', secretName: 's', identityClientId: 'c' },
      { kind: 'aws-secrets-manager', region: 'us-east-1', secretId: "it's-quoted" },
    ];
    for (const tokenSource of sources) {
      for (const role of ['head', 'cpu-worker', 'gpu-worker'] as const) {
        const { file } = render({ role, tokenSource, headAddress: '10.0.0.5', numGpus: role === 'gpu-worker' ? 1 : 0 });
        const path = join(dir, `${tokenSource.kind}-${role}.sh`);
        writeFileSync(path, file(BOOTSTRAP_SCRIPT));
        // bash -n parses without running: catches quoting mistakes such as the single quote above.
        expect(() => execFileSync('bash', ['-n', path], { stdio: 'pipe' })).not.toThrow();
      }
    }
  });

  it('writes env values quoted for systemd and refuses line breaks', () => {
    const { file } = render({ env: { CONVOY_LAKE_URL: 's3://lake', NOTE: 'say "hi" \\ bye' } });
    expect(file(ENV_FILE)).toBe('CONVOY_LAKE_URL="s3://lake"\nNOTE="say \\"hi\\" \\\\ bye"\n');
    expect(() => render({ env: { BAD: 'one\ntwo' } })).toThrow(/line breaks/);
  });

  it('adds the SSH key only when one is given', () => {
    expect(render({}).doc.ssh_authorized_keys).toBeUndefined();
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx operator@laptop';
    expect(render({ sshPublicKey: key }).doc.ssh_authorized_keys).toEqual([key]);
  });
});

describe('terraform strings', () => {
  it('carries shell and template syntax through Terraform verbatim, with references spliced in', () => {
    const literal = 'echo "${HOME}" %{if} \\ $((1 + 2)) \'quoted\'\n\ttab\r\n';
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        new RandomProvider(scope, 'random');
        const id = new RandomId(scope, 'id', { byteLength: 2 });
        new TerraformOutput(scope, 'plain', { value: terraformString(`${literal}addr=${id.hex}:6380\n`) });
        new TerraformOutput(scope, 'encoded', { value: terraformBase64(`${literal}addr=${id.hex}:6380\n`) });
      }),
    ) as { output: Record<string, { value: string }> };

    const plain = decodeTerraformString(json.output.plain!.value);
    expect(plain.base64).toBe(false);
    expect(plain.references).toEqual(['random_id.id.hex']);
    expect(plain.text).toBe(`${literal}addr=\${random_id.id.hex}:6380\n`);

    const encoded = decodeTerraformString(json.output.encoded!.value);
    expect(encoded.base64).toBe(true);
    expect(encoded.text).toBe(plain.text);
  });
});
