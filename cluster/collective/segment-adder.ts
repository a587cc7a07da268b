/**
 * The reduce step of the ring: `out[from..to) += scratch[0..to-from)`, where `scratch` is where a peer's
 * segment lands. A plain JavaScript loop costs 15–18 ms per 50 MB here, a fifth of a 100 MB allreduce between
 * two processes, while gloo adds with SIMD in C++. So the scratch lives in a tiny WebAssembly module's memory
 * and the addition runs there with f32x4.add: the output segment is copied in (it is in cache), added, and
 * copied back, 8–9 ms for the same 50 MB. Each lane's f32 addition rounds exactly as the scalar `+=` on a
 * Float32Array does (a double sum of two floats rounded to float is the correctly rounded float sum), so the
 * results are bit for bit those of the loop. Where WebAssembly SIMD is missing the loop is used.
 */

// (func (param $dst i32) (param $src i32) (param $bytes i32)
//   (block (loop (br_if 1 (i32.eqz (local.get $bytes)))
//     (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
//     $dst += 16; $src += 16; $bytes -= 16; (br 0))))   exported as "add", with its memory as "mem".
const CODE = [
  0x00, 0x02, 0x40, 0x03, 0x40, 0x20, 0x02, 0x45, 0x0d, 0x01, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x00, 0x20, 0x01, 0xfd, 0x00,
  0x04, 0x00, 0xfd, 0xe4, 0x01, 0xfd, 0x0b, 0x04, 0x00, 0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00, 0x20, 0x01, 0x41, 0x10, 0x6a, 0x21,
  0x01, 0x20, 0x02, 0x41, 0x10, 0x6b, 0x21, 0x02, 0x0c, 0x00, 0x0b, 0x0b, 0x0b,
];
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, // type: (i32 i32 i32) -> ()
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x05, 0x03, 0x01, 0x00, 0x01, // a memory of 1 page, grown below
  0x07, 0x0d, 0x02, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, // exports "add", "mem"
  0x0a, CODE.length + 2, 0x01, CODE.length, ...CODE,
]);

/** The part of the WebAssembly API used here (the project's TypeScript libs carry no WebAssembly types). */
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface SegmentAdder {
  /** Where a received segment goes (at least `segmentElems` long). */
  readonly scratch: Float32Array;
  /** out[from..to) += scratch[0..to-from) */
  addInto(out: Float32Array, from: number, to: number): void;
}

function loopAdder(segmentElems: number): SegmentAdder {
  const scratch = new Float32Array(segmentElems);
  return {
    scratch,
    addInto(out, from, to) {
      for (let i = from, j = 0; i < to; i++, j++) out[i]! += scratch[j]!;
    },
  };
}

let simd: boolean | undefined;

export function createSegmentAdder(segmentElems: number): SegmentAdder {
  simd ??= WebAssembly.validate(MODULE);
  if (!simd) return loopAdder(segmentElems);
  const { add, mem } = new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports as {
    add: (dst: number, src: number, bytes: number) => void;
    mem: WasmMemory;
  };
  const bytes = segmentElems * 4;
  mem.grow(Math.ceil((2 * bytes) / 65_536));
  const work = new Float32Array(mem.buffer, 0, segmentElems);
  const scratch = new Float32Array(mem.buffer, bytes, segmentElems);
  return {
    scratch,
    addInto(out, from, to) {
      const len = to - from;
      const vector = len & ~3;
      const segment = out.subarray(from, to);
      work.set(segment.subarray(0, vector));
      add(0, bytes, vector * 4);
      segment.set(work.subarray(0, vector));
      for (let i = vector; i < len; i++) segment[i]! += scratch[i]!;
    },
  };
}
