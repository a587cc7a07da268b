/**
 * piscina entry for the Parquet codec threads. Each thread holds its own parquet-wasm instance (WebAssembly
 * memory is per thread), so encodes and decodes of different files run in parallel.
 *
 * Both halves are imported statically: a dynamic `import()` of a .ts module from inside a piscina task fails
 * under tsx on Node 20 (ERR_UNKNOWN_FILE_EXTENSION), so the decoder cannot be loaded lazily.
 */
import { Piscina } from 'piscina';
import type { CodecRequest, DecodeReply } from './codec-messages.ts';
import { encodeParquet } from './parquet-codec.ts';
import { decodeFrom } from './parquet-decode.ts';

export default async function handle(request: CodecRequest): Promise<unknown> {
  switch (request.type) {
    case 'encode':
      // Hand the buffer to the caller instead of copying it back through structured clone.
      return Piscina.move(encodeParquet(request.ipc, request.settings));
    case 'decode': {
      const reply: DecodeReply = decodeFrom(request.source, request.settings, request.reuse);
      if ('missing' in reply) return reply;
      return Piscina.move({ [Piscina.transferableSymbol]: [reply.buffer], [Piscina.valueSymbol]: reply } as never);
    }
    case 'warm-up':
      await new Promise((resolve) => setTimeout(resolve, request.holdMs));
      return true;
  }
}
