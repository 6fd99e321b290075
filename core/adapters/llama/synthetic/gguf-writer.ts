/**
 * A minimal GGUF v3 encoder: enough to write the synthetic llama models the tests and the bench
 * load. Layout: header, metadata key/values, tensor infos, padding, then each tensor's data at an
 * aligned offset. Encoding is deterministic, so identical inputs give byte-identical files.
 */

export type GgufValue =
  | { readonly type: 'u32'; readonly value: number }
  | { readonly type: 'i32'; readonly value: number }
  | { readonly type: 'f32'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'string[]'; readonly value: readonly string[] }
  | { readonly type: 'f32[]'; readonly value: ArrayLike<number> }
  | { readonly type: 'i32[]'; readonly value: ArrayLike<number> };

/** Q8_0: blocks of 32 weights, each an f16 scale and 32 int8 values (what small real models ship as). */
export type GgufTensorType = 'F32' | 'F16' | 'Q8_0';

export interface GgufTensor {
  readonly name: string;
  /** ggml order: dims[0] is the contiguous (row) dimension. */
  readonly dims: readonly number[];
  readonly type: GgufTensorType;
  /** Produced on demand, so a 100 MB model is never held in memory all at once. */
  readonly values: () => Float32Array;
}

export interface EncodedGguf {
  readonly size: number;
  /** The file's bytes in order: the header first, then each tensor's data as it is generated. */
  chunks(): Iterable<Buffer>;
}

const ALIGNMENT = 32;
const GGML_TYPE = { F32: 0, F16: 1, Q8_0: 8 } as const;
const Q8_0_BLOCK = 32;
const VALUE_TYPE = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10 } as const;

export function encodeGguf(metadata: ReadonlyArray<readonly [string, GgufValue]>, tensors: readonly GgufTensor[]): EncodedGguf {
  const header = new ByteWriter();
  header.bytes(Buffer.from('GGUF', 'latin1'));
  header.u32(3);
  header.u64(tensors.length);
  header.u64(metadata.length + 1);
  header.string('general.alignment');
  header.u32(VALUE_TYPE.u32);
  header.u32(ALIGNMENT);
  for (const [key, value] of metadata) {
    header.string(key);
    writeValue(header, value);
  }

  let offset = 0;
  for (const tensor of tensors) {
    header.string(tensor.name);
    header.u32(tensor.dims.length);
    for (const dim of tensor.dims) header.u64(dim);
    header.u32(GGML_TYPE[tensor.type]);
    header.u64(offset);
    offset += padTo(byteLength(tensor));
  }
  const head = header.finish();
  const headSize = padTo(head.length);
  return {
    size: headSize + offset,
    *chunks() {
      yield Buffer.concat([head, Buffer.alloc(headSize - head.length)]);
      for (const tensor of tensors) {
        const values = tensor.values();
        const count = tensor.dims.reduce((a, b) => a * b, 1);
        if (count !== values.length) {
          throw new Error(`tensor ${tensor.name}: dims give ${count} values, got ${values.length}`);
        }
        const body = tensor.type === 'F32' ? f32Bytes(values) : tensor.type === 'F16' ? f16Bytes(values) : q8_0Bytes(values);
        const padding = padTo(body.length) - body.length;
        yield padding === 0 ? body : Buffer.concat([body, Buffer.alloc(padding)]);
      }
    },
  };
}

function byteLength(t: GgufTensor): number {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.type === 'Q8_0') {
    if (t.dims[0]! % Q8_0_BLOCK !== 0) throw new Error(`tensor ${t.name}: Q8_0 rows must be a multiple of ${Q8_0_BLOCK}`);
    return (count / Q8_0_BLOCK) * (2 + Q8_0_BLOCK);
  }
  return count * (t.type === 'F32' ? 4 : 2);
}

function writeValue(w: ByteWriter, v: GgufValue): void {
  switch (v.type) {
    case 'u32':
      w.u32(VALUE_TYPE.u32);
      w.u32(v.value);
      return;
    case 'i32':
      w.u32(VALUE_TYPE.i32);
      w.i32(v.value);
      return;
    case 'f32':
      w.u32(VALUE_TYPE.f32);
      w.f32(v.value);
      return;
    case 'bool':
      w.u32(VALUE_TYPE.bool);
      w.bytes(Buffer.from([v.value ? 1 : 0]));
      return;
    case 'string':
      w.u32(VALUE_TYPE.string);
      w.string(v.value);
      return;
    case 'string[]':
      w.u32(VALUE_TYPE.array);
      w.u32(VALUE_TYPE.string);
      w.u64(v.value.length);
      for (const s of v.value) w.string(s);
      return;
    case 'f32[]':
      w.u32(VALUE_TYPE.array);
      w.u32(VALUE_TYPE.f32);
      w.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) w.f32(v.value[i]!);
      return;
    case 'i32[]':
      w.u32(VALUE_TYPE.array);
      w.u32(VALUE_TYPE.i32);
      w.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) w.i32(v.value[i]!);
      return;
  }
}

const padTo = (n: number): number => Math.ceil(n / ALIGNMENT) * ALIGNMENT;

function f32Bytes(data: Float32Array): Buffer {
  // Copy rather than view, so the file never depends on the host's endianness or the array's offset.
  const out = Buffer.allocUnsafe(data.length * 4);
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i]!, i * 4);
  return out;
}

function f16Bytes(data: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(data.length * 2);
  for (let i = 0; i < data.length; i++) out.writeUInt16LE(toHalf(data[i]!), i * 2);
  return out;
}

function q8_0Bytes(data: Float32Array): Buffer {
  const blocks = data.length / Q8_0_BLOCK;
  const out = Buffer.allocUnsafe(blocks * (2 + Q8_0_BLOCK));
  for (let b = 0; b < blocks; b++) {
    const base = b * Q8_0_BLOCK;
    let max = 0;
    for (let i = 0; i < Q8_0_BLOCK; i++) max = Math.max(max, Math.abs(data[base + i]!));
    const scale = max / 127;
    const inverse = scale === 0 ? 0 : 1 / scale;
    const at = b * (2 + Q8_0_BLOCK);
    out.writeUInt16LE(toHalf(scale), at);
    for (let i = 0; i < Q8_0_BLOCK; i++) out.writeInt8(Math.round(data[base + i]! * inverse), at + 2 + i);
  }
  return out;
}

const f32View = new Float32Array(1);
const u32View = new Uint32Array(f32View.buffer);

/** IEEE 754 binary32 → binary16, round-to-nearest-even (Node 20 has no Float16Array). */
function toHalf(value: number): number {
  f32View[0] = value;
  const x = u32View[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa bumps the exponent, up to infinity: that is the correct rounding.
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

class ByteWriter {
  private chunks: Buffer[] = [];
  private current = Buffer.allocUnsafe(1 << 16);
  private used = 0;

  private reserve(n: number): void {
    if (this.used + n <= this.current.length) return;
    this.chunks.push(this.current.subarray(0, this.used));
    this.current = Buffer.allocUnsafe(Math.max(1 << 16, n));
    this.used = 0;
  }
  u32(v: number): void {
    this.reserve(4);
    this.used = this.current.writeUInt32LE(v, this.used);
  }
  i32(v: number): void {
    this.reserve(4);
    this.used = this.current.writeInt32LE(v, this.used);
  }
  u64(v: number): void {
    this.reserve(8);
    this.used = this.current.writeBigUInt64LE(BigInt(v), this.used);
  }
  f32(v: number): void {
    this.reserve(4);
    this.used = this.current.writeFloatLE(v, this.used);
  }
  bytes(b: Buffer): void {
    this.reserve(b.length);
    b.copy(this.current, this.used);
    this.used += b.length;
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  finish(): Buffer {
    return Buffer.concat([...this.chunks, this.current.subarray(0, this.used)]);
  }
}
