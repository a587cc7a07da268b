/**
 * Loads the .proto contract at run time (no generated JS), with the options the generated types in
 * `generated/` were made with (see scripts/compile-proto.sh): keep the two in step.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as HeadProto } from './generated/head.ts';
import type { ProtoGrpcType as WorkerProto } from './generated/worker.ts';

export const PROTO_DIR = fileURLToPath(new URL('.', import.meta.url));

export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

let cached: { head: HeadProto; worker: WorkerProto } | undefined;

export function loadProtos(): { head: HeadProto; worker: WorkerProto } {
  if (!cached) {
    const def = protoLoader.loadSync(['head.proto', 'worker.proto'], PROTO_LOADER_OPTIONS);
    const pkg = grpc.loadPackageDefinition(def) as unknown as HeadProto & WorkerProto;
    cached = { head: pkg, worker: pkg };
  }
  return cached;
}

export type { HeadServiceClient, HeadServiceHandlers } from './generated/convoy/v1/HeadService.ts';
export type { WorkerServiceClient, WorkerServiceHandlers } from './generated/convoy/v1/WorkerService.ts';
