/**
 * Test helpers: build a cluster stack for a cloud from a partial config, synthesize it the way
 * `cdktf synth` would (aspects included, no terraform binary), and read the JSON back.
 */
import { Testing } from '../../lib/cdk.ts';
import { STACK_CLASSES } from '../../lib/app.ts';
import { parseClusterConfig } from '../../lib/config/parse.ts';
import type { Cloud, ClusterConfigFile } from '../../lib/config/schema.ts';
import type { ClusterStack } from '../../lib/stacks/cluster-stack.ts';

export const TEST_PACKAGE = 'git+https://github.com/example/convoy.git#v0.1.0';

export type TerraformJson = {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  provider: Record<string, Record<string, unknown>[]>;
  output: Record<string, { value: string }>;
};

export function buildStack(cloud: Cloud, config: Partial<ClusterConfigFile> = {}): ClusterStack {
  const parsed = parseClusterConfig({ convoyPackage: TEST_PACKAGE, ...config }, cloud);
  return new STACK_CLASSES[cloud](Testing.app(), `test-${cloud}`, parsed);
}

export function synth(stack: ClusterStack): TerraformJson {
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

export function synthCloud(cloud: Cloud, config: Partial<ClusterConfigFile> = {}): TerraformJson {
  return synth(buildStack(cloud, config));
}

/** The resources of one type, as [logical name, config] pairs. */
export function resourcesOf(json: TerraformJson, type: string): [string, Record<string, unknown>][] {
  return Object.entries(json.resource[type] ?? {});
}

/** The single resource of `type` whose logical name contains `nameFragment`. */
export function resourceNamed(json: TerraformJson, type: string, nameFragment: string): [string, Record<string, any>] {
  const matches = resourcesOf(json, type).filter(([name]) => name.includes(nameFragment));
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} named like "${nameFragment}", found ${matches.map(([n]) => n).join(', ') || 'none'}`);
  }
  return matches[0] as [string, Record<string, any>];
}

export function dataNamed(json: TerraformJson, type: string, nameFragment: string): [string, Record<string, any>] {
  const matches = Object.entries(json.data?.[type] ?? {}).filter(([name]) => name.includes(nameFragment));
  if (matches.length !== 1) throw new Error(`expected one data.${type} named like "${nameFragment}"`);
  return matches[0] as [string, Record<string, any>];
}

/** Blocks that synthesize as an object or a one-element list. */
export function block(value: unknown): Record<string, any> {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first !== 'object' || first === null) throw new Error(`not a block: ${JSON.stringify(value)}`);
  return first as Record<string, any>;
}
