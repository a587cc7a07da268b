/**
 * The CDKTF app entry (`cdktf.json` runs `npx tsx main.ts`). Reads `cluster.config.ts`, applies context
 * overrides, and synthesizes one stack per chosen cloud into cdktf.out/.
 *
 *   npx tsx main.ts --context cloud=aws                 # synth only the AWS stack, no terraform needed
 *   npx cdktf deploy convoy-aws                          # with cdktf-cli and terraform installed
 */
import config from './cluster.config.ts';
import { ContextArgumentError, createClusterApp, parseContextArguments } from './lib/app.ts';
import { ConfigError, UnknownCloudError } from './lib/config/parse.ts';
import { PolicyViolationError } from './lib/policy/index.ts';

try {
  const app = createClusterApp(config, { context: parseContextArguments(process.argv.slice(2)) });
  app.synth();
} catch (error) {
  // Known failures carry complete, value-free messages; anything else keeps its stack trace.
  if (
    error instanceof ConfigError ||
    error instanceof UnknownCloudError ||
    error instanceof PolicyViolationError ||
    error instanceof ContextArgumentError
  ) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
