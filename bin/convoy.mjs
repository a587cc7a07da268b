#!/usr/bin/env node
// The `convoy` command. Registers tsx so the TypeScript sources run without a build step.
import { register } from 'tsx/esm/api';

register();
const { buildProgram, runCli } = await import('../cluster/cli/program.ts');
const program = buildProgram();
// The traffic workloads add their commands (collect, lake, plan, tune, model) when present.
const traffic = await import('../tasks/cli/index.ts').catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('tasks/cli/index.ts')) return undefined;
  throw err;
});
traffic?.registerTrafficCommands(program);
await runCli(program);
