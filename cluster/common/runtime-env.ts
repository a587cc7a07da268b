/**
 * The parts of a job's runtime environment that arrive with the submission, checked the same way by the CLI
 * (before anything is uploaded) and by the head (whatever sent them): environment variables for the driver
 * (Ray's `env_vars`) and the submission id (Ray's `submission_id`). Dependencies come with the package
 * (package-dependencies.ts).
 */
import { RuntimeEnvError } from './errors.ts';

/** Variables the cluster sets for every job: a job cannot replace them (its connection depends on them). */
export const CLUSTER_SET_VARS = ['CONVOY_ADDRESS', 'CONVOY_TOKEN', 'CONVOY_TOKEN_FILE', 'CONVOY_JOB_ID', 'CONVOY_WORKING_DIR', 'CONVOY_PACKAGE_ID'] as const;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_ENV_BYTES = 64 * 1024;
const SUBMISSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Validates environment variables for a job; values never appear in the messages (they may be keys). */
export function checkJobEnv(env: unknown): Record<string, string> {
  if (env === undefined || env === null) return {};
  if (typeof env !== 'object' || Array.isArray(env)) throw new RuntimeEnvError('env must be an object of NAME: "value" strings');
  let bytes = 0;
  for (const [name, value] of Object.entries(env)) {
    if (!NAME.test(name)) {
      throw new RuntimeEnvError(`environment variable name "${name}" is not valid: use letters, digits and _, not starting with a digit (e.g. TOMTOM_API_KEY)`);
    }
    if ((CLUSTER_SET_VARS as readonly string[]).includes(name)) {
      throw new RuntimeEnvError(`environment variable ${name} is set by the cluster for every job and cannot be given`);
    }
    if (typeof value !== 'string') throw new RuntimeEnvError(`environment variable ${name} must be a string`);
    if (value.includes('\0')) throw new RuntimeEnvError(`environment variable ${name} contains a NUL character`);
    bytes += name.length + Buffer.byteLength(value);
  }
  if (bytes > MAX_ENV_BYTES) throw new RuntimeEnvError(`the job's environment variables hold ${bytes} bytes, above the limit of ${MAX_ENV_BYTES}; pass large data as a file in the working directory`);
  return env as Record<string, string>;
}

/** `NAME=VALUE` pairs from the command line (`--env`), checked as checkJobEnv does. */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    // The pair is not echoed: a value typed without its name may be a secret.
    if (eq < 0) throw new RuntimeEnvError('--env takes NAME=VALUE pairs; one has no "="');
    if (eq === 0) throw new RuntimeEnvError('--env takes NAME=VALUE pairs; one has an empty NAME');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return checkJobEnv(env);
}

export function checkSubmissionId(id: unknown): string | undefined {
  if (id === undefined || id === null || id === '') return undefined;
  if (typeof id !== 'string' || !SUBMISSION_ID.test(id)) {
    throw new RuntimeEnvError(`submission id ${JSON.stringify(id)} is not valid: use 1 to 128 letters, digits, '_', '-' or '.', starting with a letter or digit`);
  }
  return id;
}
