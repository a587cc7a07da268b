/**
 * From the sources, `import 'convoy'` in a task module resolves to the same TypeScript modules the runtime
 * runs (the `convoy-sources` export condition that Convoy's processes carry), not to a compiled copy in dist/:
 * a second copy would hold its own `currentTaskId` store and see no task at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';
import type * as byName from '../fixtures/tasks/by-package-name.ts';

const BY_NAME = new URL('../fixtures/tasks/by-package-name.ts', import.meta.url);
let t: TestCluster;

beforeAll(async () => {
  t = await startTestCluster({ workers: 1, cpusPerWorker: 1 });
});
afterAll(async () => t?.stop());

describe('import "convoy" from the sources', () => {
  it('gives a task module the runtime that runs it', async () => {
    const ownTaskId = t.cluster.task<typeof byName.ownTaskId>(BY_NAME, 'ownTaskId');
    const id = await t.cluster.get(ownTaskId.remote());
    expect(id).toEqual(expect.any(String));
  });
});
