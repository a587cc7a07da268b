#!/usr/bin/env node
// The `convoy` command. Installed from the npm package it runs the compiled JavaScript in dist/ on plain Node.
// In a clone of the repository, where the TypeScript sources sit beside bin/, it registers tsx and runs them,
// so an edit takes effect without a build and a stale dist/ is never run by mistake.
import { existsSync } from 'node:fs';

const fromSources = existsSync(new URL('../cluster/cli/program.ts', import.meta.url));
if (fromSources) (await import('tsx/esm/api')).register();
const own = (sourcePath) => (fromSources ? `../${sourcePath}` : `../dist/${sourcePath.replace(/\.ts$/, '.js')}`);

const { buildProgram, runCli } = await import(own('cluster/cli/program.ts'));
const program = buildProgram();
// The traffic workloads add their commands (collect, lake, plan, tune, model) when present.
const trafficCli = own('tasks/cli/index.ts');
const traffic = await import(trafficCli).catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(trafficCli.slice(3))) return undefined;
  throw err;
});
traffic?.registerTrafficCommands(program);
await runCli(program);
