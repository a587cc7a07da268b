/**
 * How long a collection job has run, over all its runs, kept beside the data it wrote: a job stopped and
 * started again (or finished by a second run that only collects what the first left) reports its rate as its
 * samples over the wall time of all its runs, not over the last run's. Stored at `_jobs/<jobId>.json` in the
 * lake's storage (keys starting with `_` are not data to the lake or to Parquet readers), rewritten every few
 * seconds while a run goes on, so a run that is killed loses at most those seconds.
 */
import { z } from 'zod';
import type { ObjectStorage } from '../../cluster/storage/index.ts';

const runSchema = z.object({
  startedAt: z.string(),
  /** Wall time of the run so far, seconds. */
  elapsedS: z.number().min(0),
  /** Samples this run committed. */
  samples: z.number().int().min(0),
});

const recordSchema = z.object({ version: z.literal(1), jobId: z.string(), runs: z.array(runSchema) });

export type JobRun = z.infer<typeof runSchema>;
export type JobRecord = z.infer<typeof recordSchema>;

export const jobRecordKey = (jobId: string) => `_jobs/${jobId}.json`;

/** The job's earlier runs; none when there is no record or it cannot be read (the rate then counts this run only). */
export async function readJobRuns(storage: ObjectStorage, jobId: string): Promise<JobRun[]> {
  try {
    const bytes = await storage.get(jobRecordKey(jobId));
    if (!bytes) return [];
    const r = recordSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return r.success && r.data.jobId === jobId ? r.data.runs : [];
  } catch {
    return [];
  }
}

export async function writeJobRuns(storage: ObjectStorage, jobId: string, runs: readonly JobRun[]): Promise<void> {
  const record: JobRecord = { version: 1, jobId, runs: [...runs] };
  await storage.put(jobRecordKey(jobId), new TextEncoder().encode(JSON.stringify(record)));
}

/** Wall time of all runs, seconds. */
export function totalElapsedS(runs: readonly JobRun[]): number {
  return runs.reduce((s, r) => s + r.elapsedS, 0);
}
