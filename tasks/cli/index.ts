/** The traffic commands of the `convoy` CLI (added to the core program by bin/convoy.mjs). */
import type { Command } from 'commander';
import { registerCollect } from './collect.ts';
import { registerEvaluate } from './evaluate.ts';
import { registerImport } from './import.ts';
import { registerImportGraph } from './import-graph.ts';
import { registerLake } from './lake.ts';
import { registerPlan } from './plan.ts';
import { registerModel } from './model.ts';
import { registerServe } from './serve.ts';
import { registerTrain } from './train.ts';
import { registerTune } from './tune.ts';

export function registerTrafficCommands(program: Command): void {
  registerCollect(program);
  registerImport(program);
  registerImportGraph(program);
  registerLake(program);
  registerPlan(program);
  registerTune(program);
  registerTrain(program);
  registerModel(program);
  registerEvaluate(program);
  registerServe(program);
}
