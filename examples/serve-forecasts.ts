/**
 * Forecasting from a sensor's recent readings, in this process and as a service on the cluster: train a small
 * GRU on synthetic traffic, register and promote it, forecast with `Predictor.forecast`, then serve it over
 * HTTP the way `convoy serve` does (two replica actors, micro-batching, a bearer token) and ask it.
 *
 *   npx tsx examples/serve-forecasts.ts
 *
 * The same service from the shell, once a model is registered and promoted:
 *
 *   convoy serve --model speed-gru --registry ./data/registry --replicas 2 --port 8300
 *   curl -s -H "Authorization: Bearer $(cat data/serve/speed-gru.token)" -d @request.json http://127.0.0.1:8300/forecast
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { connect } from '../cluster/client/index.ts';
import { openStorage } from '../cluster/storage/index.ts';
import { generateShardTable, openLake } from '../tasks/index.ts';
import { ModelRegistry, Predictor, trainModel, type SensorHistory } from '../tasks/training/index.ts';
import { ForecastService, startHttpFront } from '../tasks/serving/index.ts';

const lakeDir = path.resolve('data/example-serve-lake');
const registryDir = path.resolve('data/example-serve-registry');
await using cluster = await connect();

// Three days of 30 synthetic Berlin sensors read every five minutes (30 × 864 readings), as a loop-detector
// dataset has them: a sequence model needs each sensor's consecutive readings.
const lake = await openLake(lakeDir, { threads: 0 });
await lake.writeShard('berlin-2026-03-02', generateShardTable({ seed: 1, city: 'berlin', from: '2026-03-02', to: '2026-03-05', samples: 30 * 864, syntheticSegments: 30 }));

// A small GRU over the last hour (12 five-minute readings), forecasting 15, 30 and 60 minutes ahead.
const { artifacts, history } = await trainModel({ data: () => lake.scan(), model: { kind: 'gru', steps: 12, hidden: 16 }, epochs: 2, batchSize: 512 });
const registry = new ModelRegistry(openStorage(registryDir));
const { version } = await registry.register({ model: 'speed-gru', artifacts, metrics: { validMae: history.at(-1)?.validMae } });
await registry.promote('speed-gru', version);

// One sensor's last hour as a caller has it: readings oldest first, on consecutive five-minute slots.
const [sample] = await lake.head(1, { filter: { timeFrom: Date.UTC(2026, 2, 4, 7) } });
const at = Number(sample!.timestamp);
const readings: { timestamp: number; speedKmh: number }[] = [];
for await (const batch of lake.scan({ columns: ['timestamp', 'segment_id', 'current_speed_kmh'], filter: { timeFrom: at - 55 * 60_000, timeTo: at + 1 } })) {
  for (const r of batch.toArray()) if (r.segment_id === sample!.segment_id) readings.push({ timestamp: Number(r.timestamp), speedKmh: r.current_speed_kmh as number });
}
readings.sort((a, b) => a.timestamp - b.timestamp);
const sensor: SensorHistory = {
  sensor: String(sample!.segment_id),
  city: 'berlin',
  roadClass: String(sample!.road_class),
  freeFlowSpeedKmh: sample!.free_flow_speed_kmh as number,
  lat: sample!.lat as number,
  lon: sample!.lon as number,
  readings,
};

const predictor = await Predictor.load(registry, 'speed-gru');
console.log('in this process:', JSON.stringify(await predictor.forecast([sensor])));
console.log('from the lake:  ', JSON.stringify((await predictor.forecastFromLake(lake, { sensors: [sensor.sensor], at })).forecasts));
predictor.close();

// The service: replicas on the cluster, an HTTP front here.
const service = await ForecastService.start({ cluster, registry: registryDir, model: 'speed-gru', replicas: 2, lake: lakeDir });
const token = randomBytes(24).toString('base64url');
const front = await startHttpFront({ service, token });
const ask = async (body: unknown) => {
  const res = await fetch(`http://${front.address}/forecast`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
console.log('over HTTP:      ', JSON.stringify(await ask({ sensors: [sensor] })));
console.log('lake over HTTP: ', JSON.stringify(await ask({ fromLake: { sensors: [sensor.sensor], at } })));
console.log('a bad request:  ', JSON.stringify(await ask({ sensors: [{ ...sensor, readings: readings.slice(-3) }] })));
await Promise.all(Array.from({ length: 20 }, () => ask({ sensors: [sensor] })));
const stats = service.stats();
console.log(`${stats.requests} requests in ${stats.batches} replica calls; version ${stats.version}`);
await front.close();
await service.close();
await lake.close();
