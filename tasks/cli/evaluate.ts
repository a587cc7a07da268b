/**
 * `convoy evaluate --lake L --from T --to T`: the standard forecasting protocol on a lake's test range, with
 * the standard baselines fitted on the range before it (evaluation/forecast-evaluation.ts), as a table or JSON.
 */
import type { RecordBatch } from 'apache-arrow';
import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../../cluster/client/index.ts';
import { parseInstant } from '../traffic/instant.ts';
import { SPEED_UNITS, isSpeedUnit } from '../traffic/units.ts';
import type { ModelForecasts } from '../training/evaluation/forecast-evaluation.ts';
import type { NeighbourMap } from '../training/input/sequence-windows.ts';
import type { Lake } from '../lake/index.ts';

interface EvaluateFlags {
  lake: string;
  from: number;
  to: number;
  trainFrom?: number;
  history: string;
  horizons: string;
  unit: string;
  city?: string;
  model?: string;
  registry: string;
  json?: boolean;
}

const COLUMNS = ['timestamp', 'city', 'segment_id', 'hour', 'day_of_week', 'lat', 'lon', 'road_class', 'free_flow_speed_kmh', 'current_speed_kmh', 'congestion'];

function instant(flag: string) {
  return (value: string): number => {
    const parsed = parseInstant(value);
    if ('error' in parsed) throw new InvalidArgumentError(`${flag}: ${parsed.error}`);
    return parsed.ms;
  };
}

function horizons(text: string): number[] {
  const list = text.split(',').map((s) => s.trim());
  const out = list.map(Number);
  if (list.length === 0 || out.some((m) => !Number.isInteger(m) || m <= 0 || m % 5 !== 0)) {
    throw new UsageError(`--horizons takes minutes, multiples of 5, separated by commas (e.g. 15,30,60), got "${text}"`);
  }
  return out;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('score forecasts on a test range of a lake against the standard baselines (last value, rolling mean, time-of-day profile, ridge on lags)')
    .requiredOption('--lake <path|s3://bucket/prefix>', 'the lake')
    .requiredOption('--from <time>', 'the test range starts here (YYYY-MM-DD or ISO 8601 time); the baselines are fitted before it', instant('--from'))
    .requiredOption('--to <time>', 'the test range ends here (exclusive)', instant('--to'))
    .option('--train-from <time>', 'the training range starts here (default: the lake\'s first sample); it ends at --from', instant('--train-from'))
    .option('--history <slots>', 'five-minute slots of history each forecast sees', '12')
    .option('--horizons <minutes>', 'horizons to report, in minutes', '15,30,60')
    .option('--unit <unit>', `report speeds in ${Object.keys(SPEED_UNITS).join(', ')} (the lake holds km/h)`, 'kmh')
    .option('--city <city>', 'only this city')
    .option('--model <name[:version]>', 'also score this registered model (default version: the promoted one) on the same windows')
    .option('--registry <path|s3://bucket/prefix>', 'where --model is registered', 'data/registry')
    .option('--json', 'print the report as JSON')
    .action(async (f: EvaluateFlags) => {
      const history = Number(f.history);
      if (!Number.isInteger(history) || history < 1 || history > 288) throw new UsageError(`--history must be a whole number of five-minute slots from 1 to 288, got "${f.history}"`);
      const horizonsMin = horizons(f.horizons);
      if (!isSpeedUnit(f.unit)) throw new UsageError(`--unit must be one of ${Object.keys(SPEED_UNITS).join(', ')}, got "${f.unit}"`);
      if (!(f.from < f.to)) throw new UsageError('--to must be after --from');
      const [{ openExistingLake }, { evaluateForecasts, formatForecastTable }] = await Promise.all([import('./lake.ts'), import('../training/evaluation/forecast-evaluation.ts')]);
      // A path with no lake, or a city it does not hold, is a usage error naming it (not an empty evaluation).
      const lake = await openExistingLake({ lake: f.lake, ...(f.city ? { city: f.city } : {}) });
      const cityFilter = f.city ? { city: f.city } : {};
      const stats = await lake.stats(cityFilter);
      if (stats.rows === 0) throw new UsageError(`the lake at ${f.lake} holds no samples${f.city ? ` of ${f.city}` : ''}: import or collect some first`);
      const trainFrom = f.trainFrom ?? stats.minTimeMs;
      if (trainFrom === undefined || !(trainFrom < f.from)) {
        throw new UsageError(`no training range before --from: the lake's samples start at ${stats.minTimeMs !== undefined ? new Date(stats.minTimeMs).toISOString() : 'an unknown time'}; give a later --from or an earlier --train-from`);
      }
      const range = { from: f.from, to: f.to };
      const cities = f.city ? [f.city] : Object.keys(stats.rowsBy.city ?? {});
      const model = f.model ? await modelForecasts(f.model, f.registry, () => lake.scan({ columns: COLUMNS, filter: { ...cityFilter, timeFrom: f.from, timeTo: f.to } }), range, () => neighbours(lake, cities)) : undefined;
      const report = await evaluateForecasts({
        ...(model ? { model } : {}),
        data: () => lake.scan({ columns: COLUMNS, filter: { ...cityFilter, timeFrom: trainFrom, timeTo: f.to } }),
        history,
        horizonsMin,
        train: { from: trainFrom, to: f.from },
        test: { from: f.from, to: f.to },
        unit: f.unit,
      });
      if (model && report.windows.test === 0 && report.windows.noForecast > 0) {
        throw new UsageError(`${model.label} forecast none of the ${report.windows.noForecast} test window(s): its history or horizons do not fit the range, or every window has a gap`);
      }
      if (report.windows.test === 0) {
        throw new UsageError(`no test windows between --from and --to: the range needs ${history * 5} min of history and ${Math.max(...horizonsMin)} min of targets per sensor, with the sensor seen in the training range`);
      }
      console.log(f.json ? JSON.stringify(report, null, 2) : formatForecastTable(report));
    });
}

/**
 * The registered model's forecasts for every window of the test range its own pipeline makes (it reads each
 * window's context: road class, place, time), keyed as the protocol's windows are.
 */
async function modelForecasts(
  given: string,
  registryLocation: string,
  data: () => AsyncIterable<RecordBatch>,
  range: { from: number; to: number },
  graph: () => Promise<NeighbourMap>,
): Promise<ModelForecasts> {
  const [name, versionText] = given.split(':');
  const version = versionText === undefined || versionText === 'promoted' ? 'promoted' : Number(versionText.replace(/^v/, ''));
  if (!name || (version !== 'promoted' && (!Number.isInteger(version) || version < 1))) {
    throw new UsageError(`--model takes NAME or NAME:VERSION (a number like 3, or promoted), got "${given}"`);
  }
  const [{ openStorage }, { ModelRegistry }, { Predictor }, { pipelineFor }, { windowKey }] = await Promise.all([
    import('../../cluster/storage/index.ts'),
    import('../training/artifacts/registry.ts'),
    import('../training/predictor.ts'),
    import('../training/input/feature-pipeline.ts'),
    import('../training/evaluation/forecast-evaluation.ts'),
  ]);
  const registry = new ModelRegistry(openStorage(registryLocation));
  const predictor = await Predictor.load(registry, name, { version });
  try {
    const a = predictor.artifacts;
    const label = `${name} v${predictor.info!.version}`;
    if (a.target !== 'speed') throw new UsageError(`${label} predicts ${a.target}, not speed: evaluate scores speed forecasts`);
    if (a.horizonsMin.every((m) => m === 0)) {
      throw new UsageError(`${label} predicts the present sample, not a horizon (an MLP without history): evaluate a model trained with --history N or --model gru`);
    }
    const needsGraph = a.spec.kind === 'gru' && a.spec.stepSize === 2;
    const encoder = pipelineFor(a.spec, a.target, a.horizonsMin, needsGraph ? await graph() : undefined).encoder(range, true);
    const byWindow = new Map<string, Float32Array>();
    const outputs = a.horizonsMin.length;
    for await (const batch of data()) {
      const e = encoder(batch);
      if (e.count === 0) continue;
      const predicted = await predictor.predictRows(e.x, e.count);
      for (let r = 0; r < e.count; r++) byWindow.set(windowKey(e.meta!.segment[r]!, e.meta!.timestamp[r]!), predicted.slice(r * outputs, (r + 1) * outputs));
    }
    return { label, horizonsMin: a.horizonsMin, byWindow };
  } finally {
    predictor.close();
  }
}

/** The neighbours of the sensors of `cities` from the graphs beside the lake, for a graph model. */
async function neighbours(lake: Lake, cities: readonly string[]): Promise<NeighbourMap> {
  const { loadNeighbours } = await import('../graph/index.ts');
  const { neighbours: found } = await loadNeighbours(lake, cities);
  if (found.size === 0) throw new UsageError(`the model is a graph model and the lake has no sensor graph for ${cities.join(', ')}: store one with convoy import-graph`);
  return found;
}
