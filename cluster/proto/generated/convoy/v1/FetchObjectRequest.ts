// Original file: worker.proto

import type { Long } from '@grpc/proto-loader';

export interface FetchObjectRequest {
  'objectId'?: (string);
  'offset'?: (number | string | Long);
}

export interface FetchObjectRequest__Output {
  'objectId': (string);
  'offset': (number);
}
