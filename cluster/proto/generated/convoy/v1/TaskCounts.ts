// Original file: head.proto

import type { Long } from '@grpc/proto-loader';

export interface TaskCounts {
  'byState'?: ({[key: string]: number | string | Long});
}

export interface TaskCounts__Output {
  'byState': ({[key: string]: number});
}
