/**
 * piscina entry for the Parquet codec threads. Each thread holds its own parquet-wasm instance (WebAssembly
 * memory is per thread), so encodes and decodes of different files run in parallel.
 *
 * Both halves are imported statically: a dynamic `import()` of a .ts module from inside a piscina task fails
 * under tsx on Node 20 (ERR_UNKNOWN_FILE_EXTENSION), so the decoder cannot be loaded lazily.
 */
import { Piscina } from 'piscina';
import type { CodecRequest, DecodeReply, EncodedFile } from './codec-messages.ts';
import { sha256Hex } from '../integrity.ts';
import { encodeParquet } from './encode.ts';
import { decodeFrom } from './decode.ts';

export default async function handle(request: CodecRequest): Promise<unknown> {
  switch (request.type) {
    case 'encode': {
      // The hash is taken here, off the writer's thread; the buffer is handed over instead of copied back.
      const bytes = encodeParquet(request.ipc, request.settings);
      const file: EncodedFile = { bytes, sha256: sha256Hex(bytes) };
      return Piscina.move({ [Piscina.transferableSymbol]: [bytes.buffer], [Piscina.valueSymbol]: file } as never);
    }
    case 'decode': {
      const reply: DecodeReply = decodeFrom(request.source, request.settings, request.reuse);
      if ('missing' in reply || 'damaged' in reply) return reply;
      return Piscina.move({ [Piscina.transferableSymbol]: [reply.buffer], [Piscina.valueSymbol]: reply } as never);
    }
    case 'warm-up':
      await new Promise((resolve) => setTimeout(resolve, request.holdMs));
      return true;
  }
}
