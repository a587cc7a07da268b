/**
 * Where API keys come from: the environment first, then a JSON secrets file.
 *
 * Env: `TOMTOM_API_KEY`, `HERE_API_KEY`, `MAPBOX_ACCESS_TOKEN`, each optionally a comma-separated list of
 * keys. File: `{"tomtom": "KEY" | ["KEY1", "KEY2"], "here": …, "mapbox": …}` at the given path or
 * `CONVOY_SECRETS_FILE`; it must not be readable by group or others (like ssh's private keys), because a
 * key in a world-readable file is a leaked key.
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { MissingApiKeyError, type ProviderName, SecretsFileError } from '../errors.ts';
import { ApiKey } from './api-key.ts';

export const API_KEY_ENV: Readonly<Record<Exclude<ProviderName, 'overpass'>, string>> = {
  tomtom: 'TOMTOM_API_KEY',
  here: 'HERE_API_KEY',
  mapbox: 'MAPBOX_ACCESS_TOKEN',
};

export interface LoadKeysOptions {
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** JSON secrets file. @default env.CONVOY_SECRETS_FILE, if set */
  secretsFile?: string;
}

const fileSchema = z.record(z.string(), z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]));

/** Parsed secrets files by path, so a thread checks a file's mode and parses it once. */
const fileCache = new Map<string, Promise<Record<string, string | string[]>>>();

async function readSecretsFile(path: string): Promise<Record<string, string | string[]>> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (cause) {
    throw new SecretsFileError(path, `cannot read it (${(cause as NodeJS.ErrnoException).code}); check the path`, { cause });
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new SecretsFileError(path, `is readable by group or others (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``);
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    // The parser's message can quote file content, i.e. a key: neither it nor the error goes on as cause.
    throw new SecretsFileError(path, 'is not valid JSON; expected {"tomtom": "KEY", "here": ["KEY1", "KEY2"], …}');
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new SecretsFileError(path, 'must map provider names to a key or a list of keys, e.g. {"tomtom": "KEY"}');
  }
  return parsed.data;
}

/** Every key configured for `provider`, env first; throws `MissingApiKeyError` when there is none. */
export async function loadApiKeys(provider: keyof typeof API_KEY_ENV, options: LoadKeysOptions = {}): Promise<ApiKey[]> {
  const env = options.env ?? process.env;
  const envVar = API_KEY_ENV[provider];
  const values: string[] = [];
  const fromEnv = env[envVar];
  if (fromEnv) values.push(...fromEnv.split(',').map((s) => s.trim()).filter(Boolean));
  const file = options.secretsFile ?? env['CONVOY_SECRETS_FILE'];
  if (file) {
    let p = fileCache.get(file);
    if (!p) {
      p = readSecretsFile(file);
      fileCache.set(file, p);
      p.catch(() => fileCache.delete(file));
    }
    const entry = (await p)[provider];
    if (entry !== undefined) values.push(...(Array.isArray(entry) ? entry : [entry]));
  }
  const unique = [...new Set(values)];
  if (unique.length === 0) throw new MissingApiKeyError(provider, envVar, file);
  return unique.map((v) => new ApiKey(v));
}
