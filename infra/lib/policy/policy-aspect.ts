/**
 * The base of every policy: a CDKTF Aspect that judges each resource and provider of a stack and makes
 * synthesis fail with `PolicyViolationError`, naming the rule, the resource and what to change.
 *
 * Aspects run before the JSON is written, visiting the stack first and then its children. On the stack
 * the aspect indexes the stack's synthesized JSON once; on each resource or provider it judges that
 * element against the index, because rules such as "this bucket has an encryption configuration" span
 * several resources.
 */
import { TerraformProvider, TerraformResource, TerraformStack } from '../cdk.ts';
import type { IAspect, IConstruct } from '../cdk.ts';
import { SynthIndex } from './synth-index.ts';
import type { ProviderView, ResourceView } from './synth-index.ts';

export interface Violation {
  /** Terraform address (`aws_s3_bucket.lake_bucket_1A2B`) or `provider.aws`. */
  resource: string;
  /** Construct path, to find it in the code. */
  path: string;
  /** What is wrong and what to do. */
  message: string;
}

export class PolicyViolationError extends Error {
  override readonly name = 'PolicyViolationError';

  constructor(
    readonly rule: string,
    readonly stackName: string,
    readonly violations: readonly Violation[],
  ) {
    super(
      `policy "${rule}" failed in stack ${stackName}:\n` +
        violations.map((violation) => `  - ${violation.resource} (${violation.path || 'no path'}): ${violation.message}`).join('\n'),
    );
  }
}

export abstract class PolicyAspect implements IAspect {
  /** Short id used in messages and docs, e.g. `no-public-cluster-ports`. */
  abstract readonly rule: string;

  private readonly indexes = new WeakMap<TerraformStack, SynthIndex>();

  /** Problems with one resource; `index` holds the rest of the stack. Return messages, empty when fine. */
  protected checkResource(_resource: ResourceView, _index: SynthIndex): string[] {
    return [];
  }

  /** Problems with one provider block. */
  protected checkProvider(_provider: ProviderView): string[] {
    return [];
  }

  visit(node: IConstruct): void {
    if (TerraformStack.isStack(node)) {
      // Re-index on every synthesis: a test may add resources between two synths of the same stack.
      this.indexes.set(node, new SynthIndex(node.toTerraform()));
      return;
    }
    const isResource = TerraformResource.isTerraformResource(node);
    const isProvider = TerraformProvider.isTerraformProvider(node);
    if (!isResource && !isProvider) return;
    const stack = TerraformStack.of(node);
    const index = this.indexes.get(stack) ?? new SynthIndex(stack.toTerraform());
    this.indexes.set(stack, index);

    let violations: Violation[];
    if (isResource) {
      const address = `${node.terraformResourceType}.${node.friendlyUniqueId}`;
      const resource = index.get(address);
      if (!resource) return;
      violations = this.checkResource(resource, index).map((message) => ({ resource: address, path: node.node.path, message }));
    } else {
      const provider = index.providers.find(
        (view) => view.type === node.terraformResourceType && view.alias === (node.alias ?? undefined),
      );
      if (!provider) return;
      violations = this.checkProvider(provider).map((message) => ({
        resource: `provider.${provider.type}${provider.alias ? `.${provider.alias}` : ''}`,
        path: node.node.path,
        message,
      }));
    }
    if (violations.length > 0) throw new PolicyViolationError(this.rule, stack.node.id, violations);
  }
}
