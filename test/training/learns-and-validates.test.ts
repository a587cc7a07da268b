import { beforeAll, describe, expect, it } from 'vitest';
import { Predictor, pipelineFor, trainModel, type TrainResult, formatValidationTable, validateModel, type ValidationReport } from '../../tasks/training/index.ts';
import { syntheticTrafficAsync } from './helpers/synthetic-traffic.ts';

const DAY = 86_400_000;
const start = Date.UTC(2024, 0, 1);
const data = { days: 9, segmentsPerCity: 15, seed: 21 };
const trainRange = { to: start + 7 * DAY };
const testRange = { from: start + 7 * DAY };

describe('MLP on synthetic traffic with rush hours', () => {
  let result: TrainResult;
  let report: ValidationReport;
  beforeAll(async () => {
    result = await trainModel({
      data: () => syntheticTrafficAsync(data),
      trainRange,
      validRange: testRange,
      epochs: 4,
      batchSize: 512,
      learningRate: 3e-3,
      backends: ['wasm'],
    });
    const predictor = await Predictor.fromArtifacts(result.artifacts);
    report = await validateModel({
      predict: (x, n) => predictor.predictRows(x, n),
      pipeline: pipelineFor(result.artifacts.spec, 'speed'),
      data: () => syntheticTrafficAsync(data),
      trainRange,
      testRange,
    });
    predictor.close();
  }, 180_000); // CPU-bound: generous for a shared 2-core machine

  it('learns the speed relation to within 4.5 km/h MAE on held-out days', () => {
    const last = result.history.at(-1)!;
    expect(last.validRows).toBeGreaterThan(10_000);
    expect(last.validMae).toBeLessThan(4.5);
    // and it got there by learning: the first epoch is worse than the last
    expect(result.history[0]!.trainLoss).toBeGreaterThan(last.trainLoss);
  });

  it('beats the historical average per city and overall on the same rows', () => {
    const { overall, byCity } = report;
    expect(report.rows).toBeGreaterThan(10_000);
    expect(overall.model.rows).toBe(overall.historicalAverage.rows);
    expect(overall.model.rows).toBe(overall.lastValue.rows);
    expect(report.beats.historicalAverage).toBe(true);
    expect(Object.keys(byCity)).toEqual(['lima', 'oslo', 'pune']);
    for (const m of Object.values(byCity)) expect(m.model.mae).toBeLessThan(m.historicalAverage.mae);
    for (const k of ['mae', 'rmse', 'mape'] as const) expect(Number.isFinite(overall.model[k])).toBe(true);
  });

  it('renders the report as a table with every scope and predictor', () => {
    const table = formatValidationTable(report);
    for (const word of ['overall', 'lima', 'oslo', 'pune', 'historical avg', 'last value', 'MAPE']) {
      expect(table).toContain(word);
    }
    expect(table.split('\n').length).toBe(3 + 3 * 4 + 1); // title, header, rule; 4 scopes × 3 predictors; verdict
    expect(JSON.parse(JSON.stringify(report)).overall.model.mae).toBe(report.overall.model.mae);
  });
});
