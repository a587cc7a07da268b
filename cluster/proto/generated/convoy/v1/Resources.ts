// Original file: common.proto


/**
 * A resource vector: cpu, gpu, memory (bytes) and custom resources, all as quantities.
 */
export interface Resources {
  'amounts'?: ({[key: string]: number | string});
}

/**
 * A resource vector: cpu, gpu, memory (bytes) and custom resources, all as quantities.
 */
export interface Resources__Output {
  'amounts': ({[key: string]: number});
}
