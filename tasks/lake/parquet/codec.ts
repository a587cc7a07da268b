/**
 * Where Parquet encoding and decoding run: inline in the calling thread (`threads: 0`, for code that already
 * runs in a worker thread, like the collection job's tasks) or in a pool of codec threads (piscina), so that
 * the files of a shard encode in parallel while the caller keeps splitting and uploading.
 *
 * Lakes of one process share one pool per thread count: a codec thread takes a while to start (it loads the
 * WebAssembly module, Arrow JS and, under tsx, compiles its TypeScript), and two lakes open at once should not
 * oversubscribe the cores. The pool goes away with the last lake that uses it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { CodecRequest, DecodeReply, DecodeSource, EncodedFile } from './codec-messages.ts';
import { sha256Hex } from '../integrity.ts';
import { encodeParquet, type DecodeSettings, type EncodeSettings } from './encode.ts';
import { decodeFrom } from './decode.ts';

export interface ParquetCodec {
  /** Arrow IPC stream → Parquet and its SHA-256. Takes ownership of `ipc` (its buffer may be transferred). */
  encode(ipc: Uint8Array, settings: EncodeSettings): Promise<EncodedFile>;
  /**
   * Parquet → packed record batches. Takes ownership of the source bytes and of `reuse`. With local paths
   * the codec thread reads the file itself, so file I/O stays off the caller's thread.
   */
  decode(source: DecodeSource, settings: DecodeSettings, reuse?: ArrayBuffer): Promise<DecodeReply>;
  /** Starts every codec thread and waits until each has loaded the codec. */
  warmUp(): Promise<void>;
  /** How many requests can usefully run at once. */
  readonly parallelism: number;
  close(): Promise<void>;
}

export function createCodec(threads: number): ParquetCodec {
  return threads === 0 ? new InlineCodec() : new PooledCodec(threads);
}

class InlineCodec implements ParquetCodec {
  readonly parallelism = 1;
  async encode(ipc: Uint8Array, settings: EncodeSettings): Promise<EncodedFile> {
    const bytes = encodeParquet(ipc, settings);
    return { bytes, sha256: sha256Hex(bytes) };
  }
  async decode(source: DecodeSource, settings: DecodeSettings, reuse?: ArrayBuffer): Promise<DecodeReply> {
    return decodeFrom(source, settings, reuse);
  }
  async warmUp(): Promise<void> {}
  async close(): Promise<void> {}
}

const sharedPools = new Map<number, { pool: Piscina; users: number }>();

class PooledCodec implements ParquetCodec {
  readonly parallelism: number;
  #pool: Piscina | undefined;
  #closing: Promise<void> | undefined;

  constructor(threads: number) {
    this.parallelism = threads;
  }

  encode(ipc: Uint8Array, settings: EncodeSettings): Promise<EncodedFile> {
    const request: CodecRequest = { type: 'encode', ipc, settings };
    return this.#acquire().run(request, { transferList: transferable(ipc) });
  }

  decode(source: DecodeSource, settings: DecodeSettings, reuse?: ArrayBuffer): Promise<DecodeReply> {
    const request: CodecRequest = { type: 'decode', source, settings, reuse };
    const transferList = [...('bytes' in source ? transferable(source.bytes) : []), ...(reuse ? [reuse] : [])];
    return this.#acquire().run(request, { transferList });
  }

  async warmUp(): Promise<void> {
    // One task per thread, each held long enough that the next one has to go to another thread.
    const request: CodecRequest = { type: 'warm-up', holdMs: 50 };
    const pool = this.#acquire();
    await Promise.all(Array.from({ length: this.parallelism }, () => pool.run(request)));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const pool = this.#pool;
      const shared = sharedPools.get(this.parallelism);
      if (!pool || !shared || shared.pool !== pool || --shared.users > 0) return;
      sharedPools.delete(this.parallelism);
      await pool.destroy();
    })();
    return this.#closing;
  }

  /** The shared pool, created on first use (a lake opened only for `stats()` starts no thread). */
  #acquire(): Piscina {
    if (this.#pool) return this.#pool;
    let shared = sharedPools.get(this.parallelism);
    if (!shared) {
      const pool = new Piscina({
        // The extension of this file: .ts from the sources, .js in the compiled package.
        filename: new URL(`./codec-worker${path.extname(import.meta.url)}`, import.meta.url).href,
        // All threads start now, in the background; idle ones do not keep the process alive (piscina unrefs them).
        minThreads: this.parallelism,
        maxThreads: this.parallelism,
        execArgv: typeScriptExecArgv(),
      });
      shared = { pool, users: 0 };
      sharedPools.set(this.parallelism, shared);
    }
    shared.users++;
    this.#pool = shared.pool;
    return this.#pool;
  }
}

/**
 * Transfers a buffer to the thread only when the view covers all of it: Node's `Buffer` pool puts small
 * buffers side by side in one ArrayBuffer, and transferring that would detach unrelated data.
 */
function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole && bytes.buffer instanceof ArrayBuffer && bytes.byteLength > 64 * 1024 ? [bytes.buffer] : [];
}

/**
 * From the sources the codec worker is TypeScript. Under `tsx` (how Convoy runs from them) workers inherit
 * the loader from execArgv; under other hosts (vitest) the thread needs it spelled out. Compiled, it is
 * JavaScript and needs nothing.
 */
function typeScriptExecArgv(): string[] | undefined {
  if (import.meta.url.endsWith('.js') || process.execArgv.some((arg) => arg.includes('tsx'))) return undefined;
  // Only the loader: the host's own flags may be invalid in a worker (vitest's --expose-gc is).
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
}
