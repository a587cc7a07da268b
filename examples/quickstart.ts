/**
 * Convoy in one page: an embedded local cluster (a head and two workers on loopback), tasks, dependencies
 * between them, a fan-in, an actor, and the cluster's status.
 *
 *   npx tsx examples/quickstart.ts
 */
import { connect } from '../cluster/client/index.ts';
import type * as tasks from './quickstart-tasks.ts';

const mod = new URL('./quickstart-tasks.ts', import.meta.url);
const started = Date.now();
await using cluster = await connect();
console.log(`cluster at ${cluster.address} ready in ${Date.now() - started} ms`);

const square = cluster.task<typeof tasks.square>(mod, 'square');
const sum = cluster.task<typeof tasks.sum>(mod, 'sum');
const countPrimes = cluster.task<typeof tasks.countPrimes>(mod, 'countPrimes', { cpu: 1 });

// 1,000 independent tasks, then a fan-in whose argument is the array of their refs.
let t = Date.now();
const squares = Array.from({ length: 1000 }, (_, i) => square.remote(i));
const total = sum.remote(squares);
console.log(`sum of squares 0..999 = ${await cluster.get(total)} (1,001 tasks in ${Date.now() - t} ms)`);

// A dependency chain: each task takes the previous result.
t = Date.now();
let ref = square.remote(2);
for (let i = 0; i < 3; i++) ref = square.remote(ref);
console.log(`((2²)²)²)² = ${await cluster.get(ref)} (a chain of 4 in ${Date.now() - t} ms)`);

// CPU-heavy work spreads over the workers' threads.
t = Date.now();
const primes = await cluster.get([1, 2, 3, 4].map(() => countPrimes.remote(200_000)));
console.log(`primes below 200,000, counted 4 times in parallel: ${primes.join(', ')} (${Date.now() - t} ms)`);

// An actor keeps state between calls, which run one at a time in call order.
const counter = cluster.actor<typeof tasks.Counter>(mod, 'Counter').remote();
const counts = await cluster.get([1, 2, 3].map((by) => counter.call('increment', by)));
console.log(`actor counter after +1, +2, +3: ${counts.join(' → ')}`);
counter.kill();

const status = await cluster.status();
console.log(
  `cluster: ${status.nodes.length} nodes, ${status.nodes.reduce((a, n) => a + (n.total.cpu ?? 0), 0)} CPUs; ` +
    `tasks finished so far: ${status.tasksByState.finished ?? 0}`,
);
