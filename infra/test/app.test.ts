import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ContextArgumentError, addClusterStacks, createClusterApp, parseContextArguments } from '../lib/app.ts';
import { Testing } from '../lib/cdk.ts';
import { ConfigError, UnknownCloudError } from '../lib/config/parse.ts';
import { TEST_PACKAGE } from './helpers/synth.ts';

const run = promisify(execFile);
const infraDir = fileURLToPath(new URL('..', import.meta.url));

function outdir(): string {
  return mkdtempSync(join(tmpdir(), 'convoy-infra-synth-'));
}

describe('the CDKTF app', () => {
  it('reads --context pairs in both spellings and refuses malformed ones', () => {
    expect(parseContextArguments(['--context', 'cloud=aws', '-c', 'gcpProject=p-1', '--context=name=x=y', 'other'])).toEqual({
      cloud: 'aws',
      gcpProject: 'p-1',
      name: 'x=y',
    });
    expect(() => parseContextArguments(['--context', 'cloud'])).toThrow(ContextArgumentError);
    expect(() => parseContextArguments(['-c'])).toThrow(ContextArgumentError);
  });

  it('synthesizes only the chosen cloud into cdktf.out with a manifest', () => {
    const dir = outdir();
    const app = createClusterApp({ convoyPackage: TEST_PACKAGE }, { context: { cloud: 'gcp' }, outdir: dir });
    app.synth();
    expect(readdirSync(join(dir, 'stacks'))).toEqual(['convoy-gcp']);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { stacks: Record<string, unknown> };
    expect(Object.keys(manifest.stacks)).toEqual(['convoy-gcp']);
    const stack = JSON.parse(readFileSync(join(dir, 'stacks', 'convoy-gcp', 'cdk.tf.json'), 'utf8')) as { resource: Record<string, unknown> };
    expect(stack.resource.google_compute_instance).toBeDefined();
  });

  it('adds one stack per cloud when no cloud is chosen, named after the cluster', () => {
    const app = Testing.app();
    const stacks = addClusterStacks(app, { convoyPackage: TEST_PACKAGE, name: 'traffic' });
    expect(stacks.map((stack) => [stack.node.id, stack.cloud])).toEqual([
      ['traffic-aws', 'aws'],
      ['traffic-azure', 'azure'],
      ['traffic-gcp', 'gcp'],
    ]);
  });

  it('validates before building any stack', () => {
    const app = Testing.app({ context: { cloud: 'mars' } });
    expect(() => addClusterStacks(app, { convoyPackage: TEST_PACKAGE })).toThrow(UnknownCloudError);
    const bad = Testing.app({ context: { cloud: 'aws' } });
    expect(() => addClusterStacks(bad, { convoyPackage: TEST_PACKAGE, cpuWorkers: { min: 5, max: 2, desired: 3 } })).toThrow(ConfigError);
    expect(bad.node.children.filter((child) => child.node.id.startsWith('convoy'))).toHaveLength(0);
  });

  it('lets context override values from the file', () => {
    const app = Testing.app({ context: { cloud: 'aws', awsRegion: 'ap-southeast-2', sshCidr: '192.0.2.0/24' } });
    const [stack] = addClusterStacks(app, { convoyPackage: TEST_PACKAGE });
    expect(stack!.config.aws.region).toBe('ap-southeast-2');
    expect(stack!.config.access.sshCidr).toBe('192.0.2.0/24');
  });

  it('runs as `tsx main.ts --context cloud=aws` and reports a bad config without a stack trace', async () => {
    const dir = outdir();
    const tsx = join(infraDir, 'node_modules', '.bin', 'tsx');
    const env = { ...process.env, CDKTF_OUTDIR: dir, CONVOY_PACKAGE: TEST_PACKAGE };
    await run(tsx, ['main.ts', '--context', 'cloud=aws'], { cwd: infraDir, env });
    expect(existsSync(join(dir, 'stacks', 'convoy-aws', 'cdk.tf.json'))).toBe(true);
    expect(existsSync(join(dir, 'stacks', 'convoy-azure'))).toBe(false);

    const failure = await run(tsx, ['main.ts', '--context', 'cloud=aws', '--context', 'sshCidr=not-a-cidr'], { cwd: infraDir, env }).then(
      () => {
        throw new Error('main.ts accepted a bad sshCidr');
      },
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('access.sshCidr');
    expect(failure.stderr).not.toContain('    at ');
  });
});
