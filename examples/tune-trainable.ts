/**
 * A hyperparameter search with your own Trainable class: each trial is an actor on the cluster, `step()` is
 * one iteration, ASHA stops the weak trials, and the run's state survives a crash (`resume: true`).
 *
 *   npx tsx examples/tune-trainable.ts
 */
import { connect, tune } from '../cluster/client/index.ts';
import type { Quadratic } from './tune-trainable-class.ts';

await using cluster = await connect();
const result = await tune.run(cluster, cluster.actor<typeof Quadratic>(new URL('./tune-trainable-class.ts', import.meta.url), 'Quadratic'), {
  space: { learningRate: tune.grid([0.01, 0.05, 0.1, 0.3]), start: tune.uniform(-5, 5) },
  numSamples: 2, // two random starts per learning rate
  metric: 'loss',
  mode: 'min',
  scheduler: { type: 'asha', gracePeriod: 2, reductionFactor: 2, maxT: 16 },
  resourcesPerTrial: { cpu: 0.5 },
  name: 'quadratic',
  storageDir: 'data/tune-example',
  onUpdate: (run, event) => event.endsWith('done') || event.endsWith('stopped') ? console.log(event) : undefined,
});
console.log(result.table);
console.log('best:', result.best);
