/**
 * Command-line flags for a bench, validated once with zod: `--reps 5`, `--reps=5`, `--dask`, `--no-dask`.
 * Kebab-case flags map to camelCase fields, so `--sync-tasks 500` sets `syncTasks`. A wrong or unknown flag
 * fails before anything is started, naming the flag.
 */
import { z } from 'zod';

export class BenchOptionsError extends Error {
  override readonly name = 'BenchOptionsError';
  constructor(
    message: string,
    readonly args: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type FlagValue = string | boolean;

/** Splits argv into flags; values stay strings (the schema coerces them). */
export function parseFlags(args: readonly string[]): Record<string, FlagValue> {
  const out: Record<string, FlagValue> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      throw new BenchOptionsError(`unexpected argument "${arg}": bench options are flags like --reps 3`, args);
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new BenchOptionsError(`bad flag "${arg}": use lower-case words joined by dashes`, args);
    let value: FlagValue;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (args[i + 1] !== undefined && !args[i + 1]!.startsWith('--')) value = args[++i]!;
    else value = true;
    if (name.startsWith('no-') && value === true) out[camel(name.slice(3))] = false;
    else out[camel(name)] = value;
  }
  return out;
}

const camel = (kebab: string) => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const kebab = (camelName: string) => camelName.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A positive integer flag (`--reps 3`), with a default. */
export const countFlag = (dflt: number) => z.coerce.number().int().positive().default(dflt);

/** A boolean flag: `--x`, `--no-x`, `--x=true|false`. */
export const booleanFlag = (dflt: boolean) =>
  z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean()).default(dflt);

/** Parses argv against a strict zod object schema whose fields are the camelCase flag names. */
export function parseBenchOptions<S extends z.ZodObject>(schema: S, args: readonly string[]): z.output<S> {
  const flags = parseFlags(args);
  const r = schema.strict().safeParse(flags);
  if (r.success) return r.data as z.output<S>;
  const issues = r.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown flag ${issue.keys.map((k) => `--${kebab(k)}`).join(', ')}`;
    return `--${kebab(String(issue.path[0] ?? '?'))}: ${issue.message}`;
  });
  const known = Object.keys(schema.shape).map((k) => `--${kebab(k)}`).join(' ');
  throw new BenchOptionsError(`invalid bench options: ${issues.join('; ')} (flags: ${known})`, args, { cause: r.error });
}
