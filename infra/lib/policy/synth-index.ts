/**
 * A read-only index over a stack's synthesized Terraform JSON, the form the policies judge.
 *
 * Policies read what Terraform will receive (snake_case attributes, references as `${type.name.attr}`)
 * rather than construct properties, so a resource added by hand, outside the cluster constructs, is judged
 * by the same rules.
 */

export interface ResourceView {
  /** Terraform resource type, e.g. `aws_s3_bucket`. */
  type: string;
  /** Logical name in the JSON. */
  name: string;
  /** `type.name`, how Terraform and references name it. */
  address: string;
  /** Construct path (`stack/lake/bucket`), to find it in the code. */
  path: string;
  config: Record<string, unknown>;
}

export interface ProviderView {
  type: string;
  alias?: string;
  config: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function constructPath(config: Json): string {
  const meta = config['//'];
  if (isObject(meta) && isObject(meta.metadata) && typeof meta.metadata.path === 'string') return meta.metadata.path;
  return '';
}

/** Nested blocks synthesize as an object or as a list of objects depending on the schema; read both. */
export function blocks(value: unknown): Json[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

export function strings(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** Resource addresses (`type.name`) referenced anywhere inside `value`. */
export function references(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (item: unknown): void => {
    if (typeof item === 'string' && isExpression(item)) {
      for (const match of item.matchAll(/\b([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)\b/g)) {
        found.add(`${match[1]}.${match[2]}`);
      }
    } else if (Array.isArray(item)) {
      item.forEach(visit);
    } else if (isObject(item)) {
      Object.values(item).forEach(visit);
    }
  };
  visit(value);
  return [...found];
}

/** True when `value` is (or contains) a Terraform expression rather than a literal. */
export function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}

/** Every string inside `value`, with a dotted path to it. */
export function stringLeaves(value: unknown, prefix = ''): { path: string; value: string }[] {
  if (typeof value === 'string') return [{ path: prefix, value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringLeaves(item, `${prefix}[${index}]`));
  if (isObject(value)) {
    return Object.entries(value)
      .filter(([key]) => key !== '//')
      .flatMap(([key, item]) => stringLeaves(item, prefix ? `${prefix}.${key}` : key));
  }
  return [];
}

export class SynthIndex {
  readonly resources: readonly ResourceView[];
  readonly providers: readonly ProviderView[];
  private readonly byAddress: Map<string, ResourceView>;

  constructor(terraform: Json) {
    const resources: ResourceView[] = [];
    const resourceRoot = isObject(terraform.resource) ? terraform.resource : {};
    for (const [type, entries] of Object.entries(resourceRoot)) {
      if (!isObject(entries)) continue;
      for (const [name, config] of Object.entries(entries)) {
        if (!isObject(config)) continue;
        resources.push({ type, name, address: `${type}.${name}`, path: constructPath(config), config });
      }
    }
    const providers: ProviderView[] = [];
    const providerRoot = isObject(terraform.provider) ? terraform.provider : {};
    for (const [type, entries] of Object.entries(providerRoot)) {
      for (const config of blocks(entries)) {
        providers.push({ type, alias: typeof config.alias === 'string' ? config.alias : undefined, config });
      }
    }
    this.resources = resources;
    this.providers = providers;
    this.byAddress = new Map(resources.map((resource) => [resource.address, resource]));
  }

  get(address: string): ResourceView | undefined {
    return this.byAddress.get(address);
  }

  ofType(...types: string[]): ResourceView[] {
    return this.resources.filter((resource) => types.includes(resource.type));
  }

  /** Resources of `types` whose configuration references `target`. */
  referencing(target: ResourceView, ...types: string[]): ResourceView[] {
    return this.ofType(...types).filter((resource) => references(resource.config).includes(target.address));
  }
}
