/**
 * Feature pipelines: how a model kind turns canonical sample batches into training rows.
 *
 * - `mlp`: one row per sample, the 16 features of features.ts, target = the sample's speed or congestion.
 * - `gru` with `stepSize` 2, the graph model: the same rows with each step's neighbour mean beside the
 *   segment's reading (through the sensor graph given).
 * - `mlp` with `history` N, and `gru`: one row per (segment, five-minute slot) with the segment's previous `steps` readings and the
 *   context of that moment, targets = the readings 15/30/60 minutes later (sequence-windows.ts).
 *
 * Encoders are stateful (the sequence windows remember each segment's recent readings, the last-value baseline
 * each segment's previous reading), so a fresh one is made per pass over the data. With `withMeta` they also
 * return what validation needs to compute baselines on exactly the same rows.
 */
import type { Encoder, RowMeta } from './encoded-batch.ts';
import { MLP_FEATURES, MLP_FEATURE_COUNT, encodeMlpRows, type Target, type TimeRange } from './features.ts';
import type { ModelSpec } from '../models/model.ts';
import { sampleColumns } from './sample-columns.ts';
import { SequenceWindows, type NeighbourMap } from './sequence-windows.ts';

export interface FeaturePipeline {
  readonly name: string;
  readonly featureNames: readonly string[];
  readonly targetWidth: number;
  readonly target: Target;
  /** Minutes ahead of each output; `[0]` for the MLP, which predicts the sample's own moment. */
  readonly horizonsMin: readonly number[];
  encoder(range?: TimeRange, withMeta?: boolean): Encoder;
}

/** Minutes ahead for the default sequence model's three outputs. */
export const DEFAULT_HORIZONS_MIN = [15, 30, 60] as const;

export function pipelineFor(spec: ModelSpec, target: Target, horizonsMin: readonly number[] = DEFAULT_HORIZONS_MIN, graph?: NeighbourMap): FeaturePipeline {
  if (spec.kind === 'mlp' || spec.kind === 'linear') {
    if (spec.history > 0) {
      if (spec.inputSize !== spec.history + MLP_FEATURE_COUNT || spec.outputSize !== horizonsMin.length) {
        throw new RangeError(
          `an ${spec.kind} with history ${spec.history} takes ${spec.history + MLP_FEATURE_COUNT} inputs (the history and ${MLP_FEATURE_COUNT} context features) ` +
            `and one output per horizon (${horizonsMin.length}); got inputSize=${spec.inputSize}, outputSize=${spec.outputSize}`,
        );
      }
      return historyPipeline(spec.history, target, horizonsMin);
    }
    if (spec.inputSize !== MLP_FEATURE_COUNT || spec.outputSize !== 1) {
      throw new RangeError(
        `the mlp feature pipeline produces ${MLP_FEATURE_COUNT} inputs and 1 output; ` +
          `got inputSize=${spec.inputSize}, outputSize=${spec.outputSize}`,
      );
    }
    return mlpPipeline(target);
  }
  if (spec.stepSize === 2 && spec.contextSize === MLP_FEATURE_COUNT && spec.outputSize === horizonsMin.length) {
    if (!graph) throw new RangeError('a graph model (gru with stepSize 2) reads its neighbours through the sensor graph: pass the graph (convoy import-graph stores one beside the lake)');
    return historyPipeline(spec.steps, target, horizonsMin, graph);
  }
  if (spec.stepSize !== 1 || spec.contextSize !== MLP_FEATURE_COUNT || spec.outputSize !== horizonsMin.length) {
    throw new RangeError(
      `the gru feature pipeline produces 1 value per step, ${MLP_FEATURE_COUNT} context features and one ` +
        `output per horizon (${horizonsMin.length}); got stepSize=${spec.stepSize}, ` +
        `contextSize=${spec.contextSize}, outputSize=${spec.outputSize}`,
    );
  }
  return historyPipeline(spec.steps, target, horizonsMin);
}

/** Rows of a sensor's last `steps` readings and the context of that moment; targets the readings at each horizon. */
function historyPipeline(steps: number, target: Target, horizonsMin: readonly number[], graph?: NeighbourMap): FeaturePipeline {
  const lag = (i: number) => `t-${(steps - 1 - i) * 5}min`;
  const history = Array.from({ length: steps }, (_, i) => (graph ? [`${target}_${lag(i)}`, `neighbours_${target}_${lag(i)}`] : [`${target}_${lag(i)}`])).flat();
  const featureNames = [...history, ...MLP_FEATURES];
  return {
    name: `${graph ? 'graph' : 'history'}${steps}-${target}`,
    featureNames,
    targetWidth: horizonsMin.length,
    target,
    horizonsMin,
    encoder: (range, withMeta = false) => {
      const windows = new SequenceWindows({ steps, horizonsMin, target, range, withMeta, ...(graph ? { graph } : {}) });
      return (batch) => windows.push(sampleColumns(batch));
    },
  };
}

function mlpPipeline(target: Target): FeaturePipeline {
  return {
    name: `mlp16-${target}`,
    featureNames: MLP_FEATURES,
    targetWidth: 1,
    target,
    horizonsMin: [0],
    encoder: (range, withMeta = false) => {
      const previous = new Map<string, number>();
      return (batch) => {
        const cols = sampleColumns(batch);
        const rows = encodeMlpRows(cols, target, range);
        if (!withMeta) return rows;
        const n = rows.count;
        const meta: RowMeta = {
          city: new Array<string>(n),
          segment: new Array<string>(n),
          targetHourDow: new Int16Array(n),
          lastValue: new Float32Array(n),
          timestamp: new Float64Array(n),
        };
        for (let k = 0; k < n; k++) {
          const i = rows.rowIndex[k]!;
          const segment = cols.segmentId(i);
          meta.city[k] = cols.city.dictionary[cols.city.indices[i]!]!;
          meta.segment[k] = segment;
          meta.targetHourDow[k] = cols.hour[i]! * 8 + cols.dayOfWeek[i]!;
          meta.lastValue[k] = previous.get(segment) ?? Number.NaN;
          meta.timestamp[k] = cols.timestamp[i]!;
          previous.set(segment, rows.y[k]!);
        }
        return { ...rows, meta };
      };
    },
  };
}

export { MLP_FEATURE_COUNT };
