/**
 * Generates llama-architecture GGUF models from a seed: the built-in tiny test model, and the
 * ~100 MB model the bench uses to measure batching on something closer to a real model's cost.
 *
 * The weights are random, so on their own the model would mostly emit byte and control tokens
 * (invalid UTF-8). Dimension 0 of every token embedding holds the same constant and no layer writes
 * to it, so after the final norm it is a near-constant input to the output layer; column 0 of
 * output.weight is then a per-token logit bias, used to favour words over characters and to keep
 * bytes and control tokens out of free text (a grammar can still force them, e.g. end-of-text).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeGguf, type EncodedGguf, type GgufTensor, type GgufTensorType, type GgufValue } from './gguf-writer.js';
import { buildVocabulary, type TokenKind } from './vocabulary.js';

export interface SyntheticModelSpec {
  readonly name: string;
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly headCount: number;
  readonly feedForwardLength: number;
  readonly contextLength: number;
  /** Type of the 2-D weight matrices; norms are always F32, as ggml expects. */
  readonly weightType: GgufTensorType;
  readonly seed: number;
  /** A larger vocabulary (inflected word forms). */
  readonly inflections?: boolean;
}

/** In units of the random part's standard deviation. */
const LOGIT_BIAS: Record<TokenKind, number> = {
  // Above bytes: where a grammar allows either more whitespace or the end, the text ends.
  control: -12,
  byte: -30,
  char: -1,
  prefix: -1.5,
  word: 1.5,
};

const FILE_TYPE: Record<GgufTensorType, number> = { F32: 0, F16: 1, Q8_0: 7 };

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

function encodeSyntheticModel(spec: SyntheticModelSpec): EncodedGguf {
  const vocab = buildVocabulary({ inflections: spec.inflections ?? false });
  const d = spec.embeddingLength;
  const ff = spec.feedForwardLength;
  const nVocab = vocab.tokens.length;
  if (d % spec.headCount !== 0) throw new Error('embeddingLength must be a multiple of headCount');

  const metadata: Array<readonly [string, GgufValue]> = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: spec.name }],
    ['general.file_type', { type: 'u32', value: FILE_TYPE[spec.weightType] }],
    ['llama.context_length', { type: 'u32', value: spec.contextLength }],
    ['llama.embedding_length', { type: 'u32', value: d }],
    ['llama.block_count', { type: 'u32', value: spec.blockCount }],
    ['llama.feed_forward_length', { type: 'u32', value: ff }],
    ['llama.attention.head_count', { type: 'u32', value: spec.headCount }],
    ['llama.attention.head_count_kv', { type: 'u32', value: spec.headCount }],
    ['llama.rope.dimension_count', { type: 'u32', value: d / spec.headCount }],
    ['llama.rope.freq_base', { type: 'f32', value: 10000 }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['llama.vocab_size', { type: 'u32', value: nVocab }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'f32[]', value: vocab.scores }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: vocab.types }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: vocab.bos }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: vocab.eos }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: vocab.unk }],
    ['tokenizer.ggml.padding_token_id', { type: 'u32', value: vocab.unk }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_space_prefix', { type: 'bool', value: false }],
    ['tokenizer.chat_template', { type: 'string', value: CHATML_TEMPLATE }],
  ];

  let tensorSeed = 0;
  const matrix = (name: string, cols: number, rows: number, shape?: (row: number, out: Float32Array) => void): GgufTensor => {
    const seed = mixSeed(spec.seed, ++tensorSeed);
    return {
      name,
      dims: [cols, rows],
      type: spec.weightType,
      values: () => {
        const next = uniform(seed, Math.sqrt(3 / cols));
        const out = new Float32Array(cols * rows);
        for (let i = 0; i < out.length; i++) out[i] = next();
        if (shape) for (let r = 0; r < rows; r++) shape(r, out.subarray(r * cols, (r + 1) * cols));
        return out;
      },
    };
  };
  const norm = (name: string, skipConstant: boolean): GgufTensor => ({
    name,
    dims: [d],
    type: 'F32',
    values: () => {
      const out = new Float32Array(d).fill(1);
      if (skipConstant) out[0] = 0;
      return out;
    },
  });
  // A layer must not write to the constant dimension, or the output bias would drift.
  const zeroFirstRow = (row: number, out: Float32Array): void => {
    if (row === 0) out.fill(0);
  };

  const embeddingConstant = Math.sqrt(d - 1);
  const tensors: GgufTensor[] = [
    matrix('token_embd.weight', d, nVocab, (_row, out) => {
      // Rows are scaled to unit variance per dimension (matrix() scales by 1/sqrt(cols)).
      const scale = Math.sqrt(d);
      for (let i = 1; i < d; i++) out[i]! *= scale;
      out[0] = embeddingConstant;
    }),
    norm('output_norm.weight', false),
    matrix('output.weight', d, nVocab, (row, out) => {
      out[0] = LOGIT_BIAS[vocab.kinds[row]!] / Math.sqrt(d);
    }),
  ];
  for (let layer = 0; layer < spec.blockCount; layer++) {
    const p = `blk.${layer}`;
    tensors.push(
      norm(`${p}.attn_norm.weight`, true),
      matrix(`${p}.attn_q.weight`, d, d),
      matrix(`${p}.attn_k.weight`, d, d),
      matrix(`${p}.attn_v.weight`, d, d),
      matrix(`${p}.attn_output.weight`, d, d, zeroFirstRow),
      norm(`${p}.ffn_norm.weight`, true),
      matrix(`${p}.ffn_gate.weight`, d, ff),
      matrix(`${p}.ffn_up.weight`, d, ff),
      matrix(`${p}.ffn_down.weight`, ff, d, zeroFirstRow),
    );
  }
  return encodeGguf(metadata, tensors);
}

/**
 * Writes the model unless an identical file is already there (tests and concurrent processes share
 * one file). Writes to a temporary name and renames, so a reader never sees a partial model.
 */
export async function writeSyntheticModel(filePath: string, spec: SyntheticModelSpec): Promise<string> {
  const encoded = encodeSyntheticModel(spec);
  if (await sameContent(filePath, encoded)) return filePath;
  await mkdir(dirname(filePath), { recursive: true });
  const temporary = `${filePath}.${process.pid}.${Date.now()}.partial`;
  const handle = await open(temporary, 'w');
  try {
    for (const chunk of encoded.chunks()) await handle.write(chunk);
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, filePath);
  return filePath;
}

async function sameContent(filePath: string, encoded: EncodedGguf): Promise<boolean> {
  const info = await stat(filePath).catch(() => undefined);
  if (!info || info.size !== encoded.size) return false;
  const expected = encoded.chunks()[Symbol.iterator]();
  let pending: Buffer = Buffer.alloc(0);
  for await (const piece of createReadStream(filePath, { highWaterMark: 1 << 20 })) {
    let actual = piece as Buffer;
    while (actual.length > 0) {
      if (pending.length === 0) {
        const next = expected.next();
        if (next.done) return false;
        pending = next.value;
      }
      const n = Math.min(pending.length, actual.length);
      if (!pending.subarray(0, n).equals(actual.subarray(0, n))) return false;
      pending = pending.subarray(n);
      actual = actual.subarray(n);
    }
  }
  return pending.length === 0 && expected.next().done === true;
}

const mixSeed = (seed: number, stream: number): number => Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream, 0xc2b2ae35);

/** mulberry32: a tiny, fast, seedable PRNG; uniform in [-limit, limit]. */
function uniform(seed: number, limit: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * limit;
  };
}
