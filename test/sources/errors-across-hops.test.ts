// A source's error thrown in a task reaches get() with its own class and data (RateLimitedError with
// retryAfterMs, not a plain Error named "RateLimitedError"), so driver code can steer on it. The task runs in
// a worker thread of another process; the error crosses the thread, the process and gRPC on the way back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../cluster/client/index.ts';
import { LakeOptionsError } from '../../tasks/lake/index.ts';
import { RateLimitedError } from '../../tasks/sources/index.ts';
import { TrafficError } from '../../tasks/traffic/errors.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';
import type * as fixtures from '../fixtures/tasks/source-errors.ts';

const FIXTURES = new URL('../fixtures/tasks/source-errors.ts', import.meta.url);

let t: TestCluster;
beforeAll(async () => {
  t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
});
afterAll(async () => {
  await t?.stop();
});

describe('traffic errors across a task hop', () => {
  it('delivers a source error thrown in a task as its own class, with its data', async () => {
    const task = t.cluster.task<typeof fixtures.rateLimited>(FIXTURES, 'rateLimited', { maxRetries: 0 });
    const err = await t.cluster.get(task.remote(1_500)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    const cause = (err as TaskError).cause;
    expect(cause).toBeInstanceOf(RateLimitedError);
    expect(cause).toBeInstanceOf(TrafficError);
    expect((cause as RateLimitedError).retryAfterMs).toBe(1_500);
    expect((cause as RateLimitedError).provider).toBe('tomtom');
    expect((cause as RateLimitedError).message).toMatch(/tomtom is rate limiting \(HTTP 429\)/);
  });

  it('does the same for the lake, whose errors share the base class', async () => {
    const task = t.cluster.task<typeof fixtures.badLakeOptions>(FIXTURES, 'badLakeOptions', { maxRetries: 0 });
    const err = await t.cluster.get(task.remote()).catch((e: unknown) => e);
    expect((err as TaskError).cause).toBeInstanceOf(LakeOptionsError);
    expect((err as TaskError).cause).toBeInstanceOf(TrafficError);
  });
});
