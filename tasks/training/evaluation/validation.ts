/**
 * Validation of a trained model on a held-out time range: MAE, RMSE and MAPE per city and overall (and per
 * horizon for sequence models), beside the historical-average and last-value baselines computed on exactly the
 * same rows. Rows where a baseline has no answer (a segment unseen in training, or the first reading of a
 * segment) are excluded from all three and counted, so the comparison is like for like.
 *
 * The report is plain JSON; {@link formatValidationTable} renders it for a terminal.
 */
import { fitHistoricalAverage } from './baselines.ts';
import { encodeStream, type PredictFn } from './evaluate.ts';
import type { TimeRange } from '../input/features.ts';
import { ErrorAccumulator, defaultMapeFloor, type ErrorMetrics } from './metrics.ts';
import type { FeaturePipeline } from '../input/feature-pipeline.ts';
import type { SampleChunk } from '../input/sample-columns.ts';

export const PREDICTORS = ['model', 'historicalAverage', 'lastValue'] as const;
export type PredictorName = (typeof PREDICTORS)[number];
export type MetricsByPredictor = Record<PredictorName, ErrorMetrics>;

export interface ValidationReport {
  target: string;
  pipeline: string;
  trainRange?: TimeRange;
  testRange?: TimeRange;
  /** Rows (times outputs) compared. */
  rows: number;
  /** Rows in range left out because a baseline had no value for them. */
  excludedRows: number;
  overall: MetricsByPredictor;
  byCity: Record<string, MetricsByPredictor>;
  byHorizon: ({ horizonMin: number } & MetricsByPredictor)[];
  /** Model MAE below the baseline's MAE, overall. */
  beats: { historicalAverage: boolean; lastValue: boolean };
}

export interface ValidateOptions {
  predict: PredictFn;
  pipeline: FeaturePipeline;
  /** Fresh stream per call (one pass fits the historical average, one evaluates). */
  data: () => AsyncIterable<SampleChunk>;
  /** Rows the historical average is fitted on: the model's training range. */
  trainRange?: TimeRange;
  /** Held-out rows. */
  testRange?: TimeRange;
  /** Smallest |actual| counted in MAPE. @default 1 km/h for speed, 0.05 for congestion */
  mapeFloor?: number;
}

type Accs = Record<PredictorName, ErrorAccumulator>;

export async function validateModel(o: ValidateOptions): Promise<ValidationReport> {
  const { pipeline } = o;
  const floor = o.mapeFloor ?? defaultMapeFloor(pipeline.target);
  const newAccs = (): Accs => ({
    model: new ErrorAccumulator(floor),
    historicalAverage: new ErrorAccumulator(floor),
    lastValue: new ErrorAccumulator(floor),
  });
  const ha = await fitHistoricalAverage(o.data(), pipeline.target, o.trainRange);
  const overall = newAccs();
  const byCity = new Map<string, Accs>();
  const byHorizon = pipeline.horizonsMin.map(() => newAccs());
  const outputs = pipeline.targetWidth;
  let excludedRows = 0;
  for await (const e of encodeStream(o.data(), pipeline.encoder(o.testRange, true))) {
    if (e.count === 0) continue;
    const meta = e.meta!;
    const predicted = await o.predict(e.x, e.count);
    for (let r = 0; r < e.count; r++) {
      const last = meta.lastValue[r]!;
      const segment = meta.segment[r]!;
      const baselines: number[] = [];
      for (let h = 0; h < outputs; h++) baselines.push(ha.predict(segment, meta.targetHourDow[r * outputs + h]!));
      if (!Number.isFinite(last) || !baselines.every(Number.isFinite)) {
        excludedRows++;
        continue;
      }
      const city = meta.city[r]!;
      let cityAccs = byCity.get(city);
      if (!cityAccs) byCity.set(city, (cityAccs = newAccs()));
      for (let h = 0; h < outputs; h++) {
        const actual = e.y[r * outputs + h]!;
        const values: Record<PredictorName, number> = {
          model: predicted[r * outputs + h]!,
          historicalAverage: baselines[h]!,
          lastValue: last,
        };
        for (const p of PREDICTORS) {
          overall[p].add(values[p], actual);
          cityAccs[p].add(values[p], actual);
          byHorizon[h]![p].add(values[p], actual);
        }
      }
    }
  }
  const result = (a: Accs): MetricsByPredictor => ({
    model: a.model.result(),
    historicalAverage: a.historicalAverage.result(),
    lastValue: a.lastValue.result(),
  });
  const overallResult = result(overall);
  return {
    target: pipeline.target,
    pipeline: pipeline.name,
    trainRange: o.trainRange,
    testRange: o.testRange,
    rows: overallResult.model.rows,
    excludedRows,
    overall: overallResult,
    byCity: Object.fromEntries([...byCity].sort(([a], [b]) => a.localeCompare(b)).map(([c, a]) => [c, result(a)])),
    byHorizon: byHorizon.map((a, h) => ({ horizonMin: pipeline.horizonsMin[h]!, ...result(a) })),
    beats: {
      historicalAverage: overallResult.model.mae < overallResult.historicalAverage.mae,
      lastValue: overallResult.model.mae < overallResult.lastValue.mae,
    },
  };
}

const LABEL: Record<PredictorName, string> = {
  model: 'model',
  historicalAverage: 'historical avg',
  lastValue: 'last value',
};

/** A fixed-width table: one block per scope (overall, each horizon, each city), one line per predictor. */
export function formatValidationTable(report: ValidationReport): string {
  const f = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '—');
  const header = ['scope', 'predictor', 'rows', 'MAE', 'RMSE', 'MAPE %'];
  const lines: string[][] = [];
  const block = (scope: string, m: MetricsByPredictor) => {
    for (const p of PREDICTORS) {
      lines.push([scope, LABEL[p], String(m[p].rows), f(m[p].mae), f(m[p].rmse), f(m[p].mape, 2)]);
      scope = '';
    }
  };
  block('overall', report.overall);
  if (report.byHorizon.length > 1) for (const h of report.byHorizon) block(`+${h.horizonMin} min`, h);
  for (const [city, m] of Object.entries(report.byCity)) block(city, m);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    `validation of ${report.pipeline} (${report.target}): ${report.rows} rows, ${report.excludedRows} excluded`,
    row(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...lines.map(row),
    `beats historical average: ${report.beats.historicalAverage ? 'yes' : 'no'}; ` +
      `beats last value: ${report.beats.lastValue ? 'yes' : 'no'}`,
  ];
  return out.join('\n');
}
