/**
 * The internal entry for tests (after NATS's `internal_mod.ts` beside `mod.ts`): what tests reach that no
 * public entry exports (`convoy`, `convoy/tune`, `convoy/storage`, `convoy/common`, `convoy/tasks/*`), in one
 * place, so a move inside the package changes this file rather than every test that imports the module.
 * What a public entry exports, tests import from that entry.
 */
export { tsxLoaderUrl } from '../cluster/common/spawn.ts';
export { acquireRunLock } from '../cluster/tune/run-lock.ts';
export { dayNumber, escapePathValue, splitByPartition, unescapePathValue, validatePartitioning } from '../tasks/lake/partitioning.ts';
export { fetchJson } from '../tasks/sources/http/fetch-json.ts';
export { cutLine } from '../tasks/sources/osm/network-builder.ts';
export { BINS_PER_DAY, demandTable, INCIDENT_WINDOW_MS, incidentLoss, seasonalFactor, wetness } from '../tasks/sources/synthetic/patterns.ts';
export { tf } from '../tasks/training/backend.ts';
export { encodeMlpRows } from '../tasks/training/input/features.ts';
export { int64ToNumbers, sampleColumns } from '../tasks/training/input/sample-columns.ts';
export { SLOT_MS } from '../tasks/training/input/sequence-windows.ts';
export { type MlpSpec } from '../tasks/training/models/model.ts';
