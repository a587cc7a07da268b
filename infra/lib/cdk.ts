/**
 * The one door to CDK for Terraform and `constructs`.
 *
 * HashiCorp deprecated and archived CDKTF in December 2025 (last release 0.21.0). Its community fork,
 * CDK Terrain (`cdktn` on npm), keeps the same API under a new package name. Every other module imports
 * the framework from here, so moving to the fork means changing the two `from` lines below (plus the
 * provider package names in `./providers/*.ts`), not hunting through the stacks.
 */
export {
  App,
  Aspects,
  Fn,
  TerraformOutput,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  Testing,
  Token,
} from 'cdktf';
export type { IAspect, ITerraformDependable } from 'cdktf';
export { Construct } from 'constructs';
export type { IConstruct } from 'constructs';
