/**
 * `convoy evaluate --lake L --from T --to T`: the standard forecasting protocol on a lake's test range, with
 * the standard baselines fitted on the range before it (evaluation/forecast-evaluation.ts), as a table or JSON.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../../cluster/client/index.ts';
import { parseInstant } from '../traffic/instant.ts';
import { SPEED_UNITS, isSpeedUnit } from '../traffic/units.ts';

interface EvaluateFlags {
  lake: string;
  from: number;
  to: number;
  trainFrom?: number;
  history: string;
  horizons: string;
  unit: string;
  city?: string;
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
    .option('--json', 'print the report as JSON')
    .action(async (f: EvaluateFlags) => {
      const history = Number(f.history);
      if (!Number.isInteger(history) || history < 1 || history > 288) throw new UsageError(`--history must be a whole number of five-minute slots from 1 to 288, got "${f.history}"`);
      const horizonsMin = horizons(f.horizons);
      if (!isSpeedUnit(f.unit)) throw new UsageError(`--unit must be one of ${Object.keys(SPEED_UNITS).join(', ')}, got "${f.unit}"`);
      if (!(f.from < f.to)) throw new UsageError('--to must be after --from');
      const [{ openLake }, { evaluateForecasts, formatForecastTable }] = await Promise.all([import('../lake/index.ts'), import('../training/evaluation/forecast-evaluation.ts')]);
      const lake = await openLake(f.lake, { threads: 0 });
      const cityFilter = f.city ? { city: f.city } : {};
      const stats = await lake.stats(cityFilter);
      if (stats.rows === 0) throw new UsageError(`the lake at ${f.lake} holds no samples${f.city ? ` of ${f.city}` : ''}: import or collect some first`);
      const trainFrom = f.trainFrom ?? stats.minTimeMs;
      if (trainFrom === undefined || !(trainFrom < f.from)) {
        throw new UsageError(`no training range before --from: the lake's samples start at ${stats.minTimeMs !== undefined ? new Date(stats.minTimeMs).toISOString() : 'an unknown time'}; give a later --from or an earlier --train-from`);
      }
      const report = await evaluateForecasts({
        data: () => lake.scan({ columns: COLUMNS, filter: { ...cityFilter, timeFrom: trainFrom, timeTo: f.to } }),
        history,
        horizonsMin,
        train: { from: trainFrom, to: f.from },
        test: { from: f.from, to: f.to },
        unit: f.unit,
      });
      if (report.windows.test === 0) {
        throw new UsageError(`no test windows between --from and --to: the range needs ${history * 5} min of history and ${Math.max(...horizonsMin)} min of targets per sensor, with the sensor seen in the training range`);
      }
      console.log(f.json ? JSON.stringify(report, null, 2) : formatForecastTable(report));
    });
}
