/**
 * Validation at the edge: schema rules plus the rules that depend on the chosen cloud, reported together in
 * one `ConfigError` that names each bad field and says what to write instead.
 */
import { z } from 'zod';
import { CLOUDS, ClusterConfigSchema } from './schema.ts';
import type { Cloud, ClusterConfig, ClusterConfigFile } from './schema.ts';

export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `cpuWorkers.desired`. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    // Values are left out on purpose: `env` and secret ids may hold things that must not reach a terminal.
    super(
      `infra configuration is invalid (fix cluster.config.ts or the --context values):\n` +
        issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message}`).join('\n'),
      options,
    );
    this.issues = issues;
  }
}

export class UnknownCloudError extends Error {
  override readonly name = 'UnknownCloudError';
  constructor(readonly given: string) {
    super(`unknown cloud "${given}": pass --context cloud=aws, cloud=azure or cloud=gcp, or synthesize a stack by name`);
  }
}

export function parseCloud(value: unknown): Cloud {
  if (typeof value === 'string' && (CLOUDS as readonly string[]).includes(value)) return value as Cloud;
  throw new UnknownCloudError(String(value));
}

/** The per-cloud formats of `clusterToken.existingSecret`, with what to write when it is wrong. */
const EXISTING_SECRET_FORMAT: Record<Cloud, { pattern: RegExp; expected: string }> = {
  aws: {
    pattern: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
    expected: 'an AWS Secrets Manager ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)',
  },
  azure: {
    pattern: /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[A-Za-z0-9-]{3,24}\/secrets\/[A-Za-z0-9-]{1,127}$/,
    expected: 'a Key Vault secret resource ID (/subscriptions/…/providers/Microsoft.KeyVault/vaults/VAULT/secrets/NAME)',
  },
  gcp: {
    pattern: /^projects\/[a-z0-9-]+\/secrets\/[A-Za-z0-9_-]{1,255}$/,
    expected: 'a Secret Manager secret name (projects/PROJECT/secrets/SECRET)',
  },
};

function cloudIssues(config: ClusterConfig, cloud: Cloud): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const existing = config.clusterToken.existingSecret;
  if (existing !== undefined && !EXISTING_SECRET_FORMAT[cloud].pattern.test(existing)) {
    issues.push({ path: 'clusterToken.existingSecret', message: `on ${cloud} this must be ${EXISTING_SECRET_FORMAT[cloud].expected}` });
  }
  if (cloud === 'gcp' && !config.gcp.zone.startsWith(`${config.gcp.region}-`)) {
    issues.push({ path: 'gcp.zone', message: `zone ${config.gcp.zone} is not in region ${config.gcp.region}` });
  }
  if (cloud === 'azure' && config.lake.bucketName !== undefined && !/^[a-z0-9]{3,24}$/.test(config.lake.bucketName)) {
    issues.push({ path: 'lake.bucketName', message: 'on Azure this names the storage account: 3 to 24 lowercase letters and digits, no "-" or "."' });
  }
  if (cloud === 'aws' && config.network.clusterSubnets.length < 2) {
    issues.push({ path: 'network.clusterSubnets', message: 'AWS needs at least two subnets so worker groups span two availability zones' });
  }
  return issues;
}

/** Validates `input` for `cloud`, fills in defaults, and throws one `ConfigError` listing every problem. */
export function parseClusterConfig(input: unknown, cloud: Cloud): ClusterConfig {
  const parsed = ClusterConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
      { cause: new Error(z.prettifyError(parsed.error)) },
    );
  }
  const issues = cloudIssues(parsed.data, cloud);
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed.data;
}

/**
 * Context keys (`--context key=value` or cdktf.json "context") that override the file, for the values that
 * differ between deployments of the same cluster shape.
 */
export const CONTEXT_OVERRIDES = {
  name: (config: ClusterConfigFile, value: string) => ({ ...config, name: value }),
  convoyPackage: (config: ClusterConfigFile, value: string) => ({ ...config, convoyPackage: value }),
  awsRegion: (config: ClusterConfigFile, value: string) => ({ ...config, aws: { ...config.aws, region: value } }),
  azureLocation: (config: ClusterConfigFile, value: string) => ({ ...config, azure: { ...config.azure, location: value } }),
  gcpProject: (config: ClusterConfigFile, value: string) => ({ ...config, gcp: { ...config.gcp, project: value } }),
  sshCidr: (config: ClusterConfigFile, value: string) => ({ ...config, access: { ...config.access, sshCidr: value } }),
} satisfies Record<string, (config: ClusterConfigFile, value: string) => ClusterConfigFile>;

export type ContextOverrideKey = keyof typeof CONTEXT_OVERRIDES;

export function applyContextOverrides(
  config: ClusterConfigFile,
  readContext: (key: ContextOverrideKey) => unknown,
): ClusterConfigFile {
  let result = config;
  for (const key of Object.keys(CONTEXT_OVERRIDES) as ContextOverrideKey[]) {
    const value = readContext(key);
    if (value === undefined || value === null || value === '') continue;
    result = CONTEXT_OVERRIDES[key](result, String(value));
  }
  return result;
}
