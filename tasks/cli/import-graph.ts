/**
 * `convoy import-graph --lake L --city NAME FILE`: a sensor graph (adjacency or distance matrix, or an edge
 * list) into `<lake>/_graph/<city>.json` (tasks/graph/), where forecasters load it with `loadSensorGraph`.
 * Runs in this process; importing again replaces the city's graph.
 */
import type { Command } from 'commander';
import { UsageError } from '../../cluster/client/index.ts';
import { formatCount } from '../../cluster/common/index.ts';

interface ImportGraphFlags {
  lake: string;
  city: string;
  format?: string;
  ids?: string;
  kernel: string;
  threshold?: string;
  sigma?: string;
  fromOsm?: string;
  json?: boolean;
}

export function registerImportGraph(program: Command): void {
  program
    .command('import-graph')
    .description('store a sensor graph beside the lake (_graph/<city>.json) for forecasters that use neighbours')
    .argument('[file]', 'CSV: an N×N adjacency or distance matrix (a header of ids, or --ids), or an edge list from,to,value')
    .requiredOption('--lake <path|s3://bucket/prefix>', 'the lake the graph goes beside')
    .requiredOption('--city <name>', 'the city partition whose sensors the graph links (ids are its segment_ids)')
    .option('--format <matrix|edges>', 'the file\'s layout (default: an edge list when it has a from/to header or 3 cells a row, else a matrix)')
    .option('--ids <file>', 'sensor ids in order (commas or new lines), for a matrix without a header; for an edge list, the sensors to keep')
    .option('--kernel <none|gaussian>', 'none: the values are weights; gaussian: they are distances, weighted exp(-(d/σ)²) as DCRNN does', 'none')
    .option('--threshold <w>', 'drop weights below this (default 0.1 with --kernel gaussian, as DCRNN; else 0)')
    .option('--sigma <d>', 'the Gaussian kernel\'s σ, in the distances\' unit (default: their standard deviation)')
    .option('--from-osm <file>', 'instead of FILE: an OSM extract (.osm.pbf, .osm[.gz|.bz2]); segments sharing a node are neighbours (weight 1)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string | undefined, f: ImportGraphFlags) => {
      if (f.kernel !== 'none' && f.kernel !== 'gaussian') throw new UsageError(`--kernel must be none or gaussian, got "${f.kernel}"`);
      if (f.format !== undefined && f.format !== 'matrix' && f.format !== 'edges') throw new UsageError(`--format must be matrix or edges, got "${f.format}"`);
      if ((file === undefined) === (f.fromOsm === undefined)) throw new UsageError('give a graph FILE, or --from-osm EXTRACT (one of them)');
      const threshold = f.threshold !== undefined ? positive('--threshold', f.threshold, true) : undefined;
      const sigma = f.sigma !== undefined ? positive('--sigma', f.sigma, false) : undefined;
      if (sigma !== undefined && f.kernel !== 'gaussian') throw new UsageError('--sigma is for --kernel gaussian');
      const city = f.city.trim();
      if (city === '') throw new UsageError('--city: give the city partition the sensors belong to');
      const graphs = await import('../graph/index.ts');
      let result: Awaited<ReturnType<typeof graphs.storeGraph>> & { skippedEdges?: number };
      if (f.fromOsm !== undefined) {
        if (f.ids || f.format || f.kernel !== 'none') throw new UsageError('--from-osm makes the graph from the road network; --ids, --format and --kernel are for graph files');
        const { osmSegmentGraph } = await import('../graph/osm-graph.ts');
        result = await graphs.storeGraph(f.lake, await osmSegmentGraph(f.fromOsm, city));
      } else {
        result = await graphs.importGraphFile(f.lake, file!, { city, format: f.format as 'matrix' | 'edges' | undefined, idsFile: f.ids, kernel: f.kernel as 'none' | 'gaussian', threshold, sigma });
      }
      const { graph, edges, selfLoops, skippedEdges = 0, key, coverage } = result;
      if (f.json) {
        console.log(JSON.stringify({ lake: f.lake, key, city, sensors: graph.ids.length, edges, selfLoops, skippedEdges, origin: graph.origin, coverage }, null, 2));
        return;
      }
      // Not errors (a graph may come before its data, or cover a larger network), but worth a line each.
      const some = (ids: string[]) => `${ids.slice(0, 5).map((id) => JSON.stringify(id)).join(', ')}${ids.length > 5 ? ', …' : ''}`;
      if (coverage?.notImported.length) process.stderr.write(`convoy: note: ${formatCount(coverage.notImported.length)} of the graph's ${formatCount(graph.ids.length)} sensors were not imported into city=${city} (${some(coverage.notImported)})\n`);
      if (coverage?.notInGraph.length) process.stderr.write(`convoy: note: ${formatCount(coverage.notInGraph.length)} of the ${formatCount(coverage.imported)} sensors imported into city=${city} are not in the graph (${some(coverage.notInGraph)})\n`);
      const kernel = graph.origin.kernel === 'gaussian' ? `, Gaussian kernel σ = ${round(graph.origin.sigma!)}, threshold ${graph.origin.threshold}` : '';
      const skipped = skippedEdges > 0 ? `; ${formatCount(skippedEdges)} edges to sensors not in --ids skipped` : '';
      console.log(`graph for city=${city}: ${formatCount(graph.ids.length)} sensors, ${formatCount(edges)} edges (${formatCount(selfLoops)} self-loops${kernel})${skipped}; stored as ${key} in ${f.lake}`);
    });
}

function positive(flag: string, v: string, zeroAllowed: boolean): number {
  const n = Number(v);
  if (!/^\s*[\d.eE+-]+\s*$/.test(v) || !Number.isFinite(n) || n < 0 || (!zeroAllowed && n === 0)) throw new UsageError(`${flag} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number, got "${v}"`);
  return n;
}

function round(n: number): string {
  return Number(n.toPrecision(4)).toString();
}
