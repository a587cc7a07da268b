// The graph model reads each sensor's neighbours through the sensor graph: on sensors where one's future is
// its upstream neighbour's past (traffic travelling down a road), it beats the single-sensor GRU, which
// beats repeating the last value.
import { describe, expect, it } from 'vitest';
import { batchesFromSamples } from '../../tasks/traffic/batch-builder.ts';
import type { Sample } from '../../tasks/traffic/schema.ts';
import { trainModel } from '../../tasks/training/trainer.ts';
import { pipelineFor } from '../../tasks/training/input/feature-pipeline.ts';
import type { NeighbourMap } from '../../tasks/training/input/sequence-windows.ts';
import { evaluateForecasts } from '../../tasks/training/evaluation/forecast-evaluation.ts';
import { mulberry32 } from '../../cluster/common/index.ts';

const SLOT = 5 * 60_000;
const T0 = Date.UTC(2026, 0, 5);
const DAYS = 4;
const LAG = 3; // slots: a shock reaches the next sensor 15 minutes later

/** Two roads of three sensors each: upstream → middle → downstream, each a copy of the one before, LAG slots late. */
function coupledSensors(): { samples: Sample[]; graph: NeighbourMap } {
  const random = mulberry32(11);
  const slots = DAYS * 288;
  const samples: Sample[] = [];
  const graph = new Map<string, { sensor: string; weight: number }[]>();
  for (const road of ['a', 'b']) {
    const up = new Float64Array(slots);
    let v = 70;
    let incident = 0;
    for (let t = 0; t < slots; t++) {
      if (incident === 0 && random() < 0.01) incident = 4 + Math.floor(random() * 8);
      // Two rush hours a day (the GRU learns them from the time of day), and now and then an incident.
      const slot = t % 288;
      const rush = 40 * Math.exp(-((slot - 96) ** 2) / 120) + 30 * Math.exp(-((slot - 210) ** 2) / 160);
      const target = incident > 0 ? 25 : 70 - rush;
      if (incident > 0) incident--;
      v = target + 0.6 * (v - target) + (random() - 0.5) * 4;
      up[t] = v;
    }
    const chain = [up];
    for (let k = 1; k < 3; k++) chain.push(chain[k - 1]!.map((_, t) => (t >= LAG ? chain[k - 1]![t - LAG]! : 70) + (random() - 0.5) * 2));
    chain.forEach((series, k) => {
      const id = `${road}${k}`;
      if (k > 0) graph.set(id, [{ sensor: `${road}${k - 1}`, weight: 1 }]);
      for (let t = 0; t < slots; t++) {
        const ts = T0 + t * SLOT;
        const d = new Date(ts);
        samples.push({
          timestamp: ts, city: 'berlin', segment_id: id, lat: 52.5, lon: 13.4 + k * 0.01, road_class: 'primary', hour: d.getUTCHours(),
          day_of_week: ((d.getUTCDay() + 6) % 7) + 1, free_flow_speed_kmh: 70, current_speed_kmh: series[t]!, congestion: 0, confidence: 1,
          free_flow_travel_time_s: null, current_travel_time_s: null, source: 'synthetic',
        });
      }
    });
  }
  // Time-major, as a lake partition yields them: every sensor at a slot before the next slot.
  samples.sort((x, y) => x.timestamp - y.timestamp);
  return { samples, graph };
}

describe('graph model', () => {
  it('beats the single-sensor GRU, which beats the last value, where a sensor follows its neighbour', { timeout: 300_000 }, async () => {
    const { samples, graph } = coupledSensors();
    const batches = batchesFromSamples(samples, 2000);
    async function* data() {
      yield* batches;
    }
    const trainRange = { from: T0, to: T0 + 3 * 288 * SLOT };
    const validRange = { from: T0 + 3 * 288 * SLOT, to: T0 + DAYS * 288 * SLOT };
    const common = { data, trainRange, validRange, horizonsMin: [15], epochs: 6, batchSize: 256, learningRate: 3e-3, seed: 2 };
    const gru = await trainModel({ ...common, model: { kind: 'gru', steps: 6, stepSize: 1, hidden: 16, outputSize: 1 } });
    const withGraph = await trainModel({ ...common, model: { kind: 'gru', steps: 6, stepSize: 2, hidden: 16, outputSize: 1 }, graph });
    const report = await evaluateForecasts({ data, history: 6, horizonsMin: [15], train: trainRange, test: validRange });
    const lastValue = report.horizons[0]!.at.lastValue!.mae;
    const gruMae = Math.min(...gru.history.map((h) => h.validMae!));
    const graphMae = Math.min(...withGraph.history.map((h) => h.validMae!));
    expect(withGraph.artifacts.pipeline).toBe('graph6-speed');
    console.log(`validation MAE at 15 min: graph ${graphMae.toFixed(2)}, gru ${gruMae.toFixed(2)}, last value ${lastValue.toFixed(2)} km/h`);
    expect(graphMae).toBeLessThan(gruMae);
    expect(gruMae).toBeLessThan(lastValue);
    // The neighbour channel carries the answer: far better, not a little.
    expect(graphMae).toBeLessThan(0.75 * gruMae);
  });

  it('refuses a graph model without a graph, saying where one comes from', () => {
    expect(() => pipelineFor({ kind: 'gru', steps: 6, stepSize: 2, contextSize: 16, hidden: 8, outputSize: 1 }, 'speed', [15])).toThrow(/reads its neighbours through the sensor graph: pass the graph/);
  });
});
