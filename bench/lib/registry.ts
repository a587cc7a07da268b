/**
 * Which benches exist: every `bench/<name>.ts` except the harness itself. Each exports
 * `run(args): Promise<Record<string, number | string>>` and may export `table(result): string` for its own
 * readable table. Listing reads the files' doc comments rather than importing them, so `npm run bench` does
 * not load DuckDB, TensorFlow and a gRPC stack just to print names.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchResult } from './report.ts';

export interface BenchModule {
  run(args: string[]): Promise<BenchResult>;
  table?(result: BenchResult): string;
}

export interface BenchEntry {
  readonly name: string;
  readonly file: string;
  /** The first sentence of the file's leading doc comment ('' when it has none). */
  readonly summary: string;
}

export class UnknownBenchError extends Error {
  override readonly name = 'UnknownBenchError';
  constructor(
    readonly bench: string,
    readonly available: readonly string[],
  ) {
    super(`no bench named "${bench}": choose one of ${available.join(', ') || '(none found)'} (npm run bench lists them)`);
  }
}

export class BadBenchModuleError extends Error {
  override readonly name = 'BadBenchModuleError';
  constructor(
    readonly bench: string,
    readonly file: string,
  ) {
    super(`bench "${bench}" (${file}) does not export async function run(args: string[]); add it to take part in npm run bench`);
  }
}

const NOT_BENCHES = new Set(['index']);

export async function listBenches(dir: string): Promise<BenchEntry[]> {
  const files = (await readdir(dir, { withFileTypes: true })).filter((f) => f.isFile() && /^[a-z0-9][\w-]*\.ts$/i.test(f.name) && !f.name.endsWith('.d.ts'));
  const entries = await Promise.all(
    files
      .map((f) => ({ name: f.name.slice(0, -3), file: path.join(dir, f.name) }))
      .filter((e) => !NOT_BENCHES.has(e.name))
      .map(async (e) => ({ ...e, summary: docSummary(await readFile(e.file, 'utf8')) })),
  );
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** The first sentence of a leading `/** ... *\/` comment, on one line. */
export function docSummary(source: string): string {
  const m = /^\s*(?:#![^\n]*\n\s*)?\/\*\*([\s\S]*?)\*\//.exec(source);
  if (!m) return '';
  const text = m[1]!
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, '').trim())
    .join('\n')
    .trim()
    .split(/\n\s*\n/)[0]!
    .replace(/\s+/g, ' ');
  // A sentence ends at a period before a capital or the end, so "e.g. spins" does not cut it short.
  const sentence = /^.*?\.(?=\s+[A-Z]|$)/.exec(text);
  return (sentence ? sentence[0] : text).trim();
}

export async function loadBench(dir: string, name: string): Promise<{ entry: BenchEntry; module: BenchModule }> {
  const benches = await listBenches(dir);
  const entry = benches.find((b) => b.name === name);
  if (!entry) throw new UnknownBenchError(name, benches.map((b) => b.name));
  const mod = (await import(pathToFileURL(entry.file).href)) as Partial<BenchModule>;
  if (typeof mod.run !== 'function') throw new BadBenchModuleError(name, entry.file);
  return { entry, module: mod as BenchModule };
}
