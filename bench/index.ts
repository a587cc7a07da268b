/**
 * The bench harness behind `npm run bench -- <name> [args]`.
 *
 *   npm run bench                      lists the benches (every bench/<name>.ts but this one)
 *   npm run bench -- tasks --reps 5    runs bench/tasks.ts's run(['--reps', '5'])
 *
 * Output: the result as one JSON line, first on stdout (scripts read `head -1`), then a readable table: the
 * bench's own `table(result)` when it exports one, else ours/peer pairs with ratios (bench/lib/report.ts).
 * The result is also kept in bench/out/<name>.json with when and how it was run. Progress goes to stderr.
 * Exit codes: 0 done, 1 the bench failed, 2 a wrong bench name or option.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchOptionsError } from './lib/options.ts';
import { BadBenchModuleError, UnknownBenchError, listBenches, loadBench } from './lib/registry.ts';
import { assertBenchResult, formatResultTable, renderResult, textTable, writeStdout } from './lib/report.ts';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.join(BENCH_DIR, 'out');

async function usage(): Promise<string> {
  const benches = await listBenches(BENCH_DIR);
  return [
    'usage: npm run bench -- <name> [bench options]',
    '',
    textTable([['bench', 'what it measures'], ...benches.map((b) => [b.name, b.summary])], () => false),
    '',
    'Each prints one JSON line, then a table. Options are in each file\'s header comment.',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'list') {
    await writeStdout(await usage());
    return 0;
  }
  const { entry, module } = await loadBench(BENCH_DIR, name);
  const started = new Date();
  const result = await module.run(args);
  assertBenchResult(result, name);
  await writeStdout(renderResult(result, module.table?.(result) ?? formatResultTable(result)));
  await keep(entry.name, args, started, result);
  return 0;
}

/** bench/out/<name>.json: the latest result with its arguments, time and machine (bench/out is not committed). */
async function keep(name: string, args: string[], started: Date, result: Record<string, unknown>): Promise<void> {
  const record = {
    bench: name,
    args,
    startedAt: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 100) / 10,
    host: { cpus: os.availableParallelism(), memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
    result,
  };
  try {
    await mkdir(OUT_DIR, { recursive: true });
    await writeFile(path.join(OUT_DIR, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  } catch (err) {
    process.stderr.write(`[bench] could not keep the result in ${OUT_DIR}: ${(err as Error).message}\n`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const wrongInput = err instanceof BenchOptionsError || err instanceof UnknownBenchError || err instanceof BadBenchModuleError;
  process.stderr.write(`${wrongInput ? (err as Error).message : ((err as Error).stack ?? String(err))}\n`);
  if (err instanceof UnknownBenchError) process.stderr.write(`\n${await usage()}`);
  process.exitCode = wrongInput ? 2 : 1;
}
// Benches may leave handles behind (worker threads, gRPC channels, a DuckDB instance): their work is done.
process.exit();
