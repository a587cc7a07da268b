/**
 * Builds the CDKTF app: validates the configuration once, picks the cloud(s), adds one stack per cloud.
 *
 * The cloud comes from the `cloud` context (cdktf.json "context", the CDKTF_CONTEXT_JSON variable the
 * cdktf CLI forwards, or `--context cloud=aws` given to `main.ts`). Without it every cloud gets its stack,
 * which is how `cdktf deploy convoy-aws` picks one by name.
 */
import { App } from './cdk.ts';
import { CLOUDS } from './config/schema.ts';
import type { Cloud, ClusterConfigFile } from './config/schema.ts';
import { applyContextOverrides, parseCloud, parseClusterConfig } from './config/parse.ts';
import { AwsClusterStack } from './stacks/aws/stack.ts';
import { AzureClusterStack } from './stacks/azure/stack.ts';
import type { ClusterStack } from './stacks/cluster-stack.ts';
import { GcpClusterStack } from './stacks/gcp/stack.ts';
import { stackName } from './stacks/naming.ts';

export const STACK_CLASSES: Record<Cloud, typeof AwsClusterStack | typeof AzureClusterStack | typeof GcpClusterStack> = {
  aws: AwsClusterStack,
  azure: AzureClusterStack,
  gcp: GcpClusterStack,
};

export class ContextArgumentError extends Error {
  override readonly name = 'ContextArgumentError';
}

/** `--context key=value` / `-c key=value` pairs from a command line (what `main.ts` receives). */
export function parseContextArguments(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let pair: string | undefined;
    if (arg === '--context' || arg === '-c') pair = argv[++i];
    else if (arg.startsWith('--context=')) pair = arg.slice('--context='.length);
    else continue;
    const match = pair === undefined ? null : /^([A-Za-z][\w-]*)=(.*)$/.exec(pair);
    if (!match) throw new ContextArgumentError(`expected --context key=value, got ${JSON.stringify(pair ?? '')}`);
    context[match[1]!] = match[2]!;
  }
  return context;
}

/**
 * Adds the cluster stack(s) to `app` and returns them. Throws `ConfigError` (every bad field at once) or
 * `UnknownCloudError` before any stack exists.
 */
export function addClusterStacks(app: App, input: ClusterConfigFile): ClusterStack[] {
  const read = (key: string): unknown => app.node.tryGetContext(key);
  const withOverrides = applyContextOverrides(input, read);
  const cloudContext = read('cloud');
  const clouds: readonly Cloud[] = cloudContext === undefined || cloudContext === '' ? CLOUDS : [parseCloud(cloudContext)];
  // Validate for every chosen cloud before building anything, so one run reports every problem.
  const configs = clouds.map((cloud) => [cloud, parseClusterConfig(withOverrides, cloud)] as const);
  return configs.map(([cloud, config]) => new STACK_CLASSES[cloud](app, stackName(config, cloud), config));
}

/**
 * A new app with the cluster stacks added. `context` (for example from `parseContextArguments`) is applied
 * last, so a command-line value wins over cdktf.json and CDKTF_CONTEXT_JSON.
 */
export function createClusterApp(
  input: ClusterConfigFile,
  options: { context?: Record<string, unknown>; outdir?: string } = {},
): App {
  const app = new App({ outdir: options.outdir });
  for (const [key, value] of Object.entries(options.context ?? {})) app.node.setContext(key, value);
  addClusterStacks(app, input);
  return app;
}
