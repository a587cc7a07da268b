#!/usr/bin/env bash
# Regenerates the TypeScript types for cluster/proto/*.proto. The options here must match PROTO_LOADER_OPTIONS
# in cluster/proto/load.ts (camelCase fields, uint64 as number, enums as strings, defaults filled, oneof names).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf generated
npx proto-loader-gen-types --longs=Number --enums=String --defaults --oneofs --includeComments \
  --grpcLib=@grpc/grpc-js -I . -O generated common.proto head.proto worker.proto
# The generator writes extension-less relative imports; ES modules under NodeNext need the extension.
find generated -name '*.ts' -exec sed -i -E "s#(from '\.{1,2}/[^']+)'#\1.ts'#" {} +
