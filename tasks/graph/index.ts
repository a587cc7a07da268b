/**
 * Sensor graphs: which sensors of a city are neighbours, and how strongly, for forecasters that use the road
 * graph. `convoy import-graph` stores one beside the lake (`_graph/<city>.json`); models load it with
 * `loadSensorGraph(lake, city)` and normalise the adjacency their own way.
 *
 * @example
 * ```ts
 * import { loadSensorGraph } from 'convoy/tasks';
 *
 * const { ids, adjacency } = await loadSensorGraph('./data/lake', 'bay');
 * for (let e = adjacency.rowPtr[0]; e < adjacency.rowPtr[1]; e++) console.log(ids[0], '->', ids[adjacency.col[e]], adjacency.weight[e]);
 * ```
 */
export { edgesOf, gaussianKernel, neighboursOf, SensorGraphError, thresholdWeights, toSparse, type EdgeList, type GraphOrigin, type KernelOptions, type SensorGraph, type SparseAdjacency } from './sensor-graph.ts';
export { graphKey, loadNeighbours, loadSensorGraph, saveSensorGraph, SensorGraphFileError, SensorGraphNotFoundError, type LakeLike } from './graph-store.ts';
export { GraphFileError, readGraphFile, readIdsFile, type GraphFileContents, type GraphFileFormat } from './read-graph-file.ts';
export { importGraphFile, storeGraph, type GraphCoverage, type ImportGraphOptions, type ImportGraphResult } from './import-graph.ts';
