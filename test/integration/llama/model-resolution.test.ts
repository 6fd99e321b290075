import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_URI, resolveModel } from '../../../core/adapters/llama/model-resolution.js';
import { rejection, tinyModelPath } from './tiny-fixture.js';

/** `.invalid` never resolves (RFC 2606), so this behaves as offline on any machine. */
const UNREACHABLE_URL = 'https://models.invalid/council-7b.Q8_0.gguf';

const offline = await lookup('huggingface.co').then(
  () => false,
  () => true,
);

describe('model resolution', () => {
  const modelsDir = mkdtempSync(join(tmpdir(), 'fleet-models-'));
  afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

  it('writes the built-in tiny model into the models folder', async () => {
    const resolved = await resolveModel('tiny', { modelsDir });
    expect(resolved.name).toBe('tiny');
    expect(resolved.path.startsWith(modelsDir)).toBe(true);
  });

  it('takes an existing local GGUF as it is', async () => {
    const path = await tinyModelPath();
    expect(await resolveModel(path, { modelsDir })).toEqual({ path, name: 'tiny.gguf' });
  });

  it('rejects a missing local file as INVALID_ARGUMENT naming `model`', async () => {
    const error = await rejection(resolveModel(join(modelsDir, 'nope.gguf'), { modelsDir }));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'model' });
    expect(error.message).toContain('nope.gguf');
  });

  it('reports an unreachable download as UNAVAILABLE with the --model tiny hint, quickly', async () => {
    const started = performance.now();
    const error = await rejection(resolveModel(UNREACHABLE_URL, { modelsDir, connectTimeoutMs: 3000 }));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain('models.invalid');
    expect(error.message).toContain('--model tiny');
    expect(error.message).toContain('--model PATH');
  });

  it('refuses a plain http:// URL unless insecure downloads are allowed', async () => {
    const plain = 'http://models.invalid/council-7b.Q8_0.gguf';
    const refused = await rejection(resolveModel(plain, { modelsDir }));
    expect(refused).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'model' });
    expect(refused.message).toContain('https://');
    expect(refused.message).toContain('--allow-insecure-download');
    // Allowed, it is downloaded like any other URL (here: unreachable, so UNAVAILABLE).
    const allowed = await rejection(resolveModel(plain, { modelsDir, allowInsecureDownload: true, connectTimeoutMs: 3000 }));
    expect(allowed.code).toBe('UNAVAILABLE');
  });

  it.runIf(offline)('reports the default model as UNAVAILABLE when offline', async () => {
    const error = await rejection(resolveModel(DEFAULT_MODEL_URI, { modelsDir, connectTimeoutMs: 3000 }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain('huggingface.co');
    expect(error.message).toContain('--model tiny');
  });

  it('reuses an earlier download without the network', async () => {
    copyFileSync(await tinyModelPath(), join(modelsDir, 'council-7b.Q8_0.gguf'));
    copyFileSync(await tinyModelPath(), join(modelsDir, 'hf_Qwen_Qwen3-0.6B.Q8_0.gguf'));
    expect((await resolveModel(UNREACHABLE_URL, { modelsDir })).path).toBe(join(modelsDir, 'council-7b.Q8_0.gguf'));
    expect((await resolveModel(DEFAULT_MODEL_URI, { modelsDir })).path).toBe(join(modelsDir, 'hf_Qwen_Qwen3-0.6B.Q8_0.gguf'));
  });

  it('stops at an aborted signal with CANCELLED', async () => {
    expect(
      await rejection(resolveModel(DEFAULT_MODEL_URI, { modelsDir: join(modelsDir, 'empty'), signal: AbortSignal.abort() })),
    ).toMatchObject({
      code: 'CANCELLED',
    });
  });
});
