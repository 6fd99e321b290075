// @vitest-environment happy-dom
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, it, vi } from 'vitest';
import {
  type DownloadModelResponse,
  DownloadModelResponseSchema,
  type EstimateModelRequest,
  type ModelInfo,
  ModelInfoSchema,
  type SelectModelRequest,
} from '../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { Channel, renderApp } from './fake-daemon.js';

afterEach(cleanup);

const GiB = 1024n ** 3n;
const MiB = 1024n ** 2n;

const info = (fields: MessageInitShape<typeof ModelInfoSchema>): ModelInfo =>
  create(ModelInfoSchema, { backend: 'llama.cpp', gpu: '', threads: 8, contextTokens: 8192, maxSequences: 4, ...fields });

/** A daemon with a model in use, a few choices and a download the test feeds, changed by SelectModel as the daemon would. */
function modelDaemon() {
  let current = info({ name: 'tiny', fileBytes: 30n * MiB });
  let currentSpec = 'tiny';
  const downloads: { uri: string; signal: AbortSignal; channel: Channel<DownloadModelResponse> }[] = [];
  const selectModel = vi.fn((req: SelectModelRequest) => {
    if (req.choice.case === 'local') {
      if (req.choice.value === 'busy.gguf')
        throw new ConnectError('1 deliberation(s) running: stop them or wait, then switch the model', Code.FailedPrecondition);
      currentSpec = req.choice.value;
      current = info({ name: req.choice.value.split('/').pop() ?? '', gpu: 'NVIDIA H200', fileBytes: 2n * GiB });
      return { model: current };
    }
    const { url, model } = req.choice.value ?? { url: '', model: '' };
    if (!url.startsWith('http'))
      throw new ConnectError(`remote.url: expected the http(s) URL of an OpenAI-compatible server, got "${url}"`, Code.InvalidArgument);
    if (url.includes('down')) throw new ConnectError(`connect ECONNREFUSED ${url}`, Code.Unavailable);
    if (model !== 'qwen')
      throw new ConnectError(`remote.model: expected one of the models ${url} serves (qwen), got "${model}"`, Code.InvalidArgument);
    currentSpec = url;
    current = info({ name: 'qwen', backend: 'openai-http' });
    return { model: current };
  });
  const estimateModel = vi.fn((req: EstimateModelRequest) => {
    if (req.spec.startsWith('hf:')) throw new ConnectError(`${req.spec} is not downloaded yet: download it first`, Code.FailedPrecondition);
    const big = req.spec.includes('70b');
    return {
      fileBytes: big ? 40n * GiB : 1n * GiB,
      modelRamBytes: big ? 40n * GiB : 1n * GiB,
      contextRamBytes: 256n * MiB,
      totalRamBytes: (big ? 40n * GiB : 1n * GiB) + 256n * MiB,
      contextTokens: 8192,
      systemFreeBytes: 12n * GiB,
      fits: !big,
      architecture: 'qwen2',
      parameters: big ? 70_000_000_000n : 1_500_000_000n,
    };
  });
  const daemon = {
    orchestrator: { getMetrics: () => ({}) },
    desktop: {
      listModels: () => ({
        current,
        currentSpec,
        modelsDir: '/home/me/.fleet/models',
        choices: [
          { spec: 'tiny', name: 'tiny', kind: 'built-in', present: true, fileBytes: 30n * MiB, description: 'For tests' },
          { spec: '/m/qwen-1.5b.gguf', name: 'qwen-1.5b', kind: 'local', present: true, fileBytes: 1n * GiB },
          { spec: '/m/llama-70b.gguf', name: 'llama-70b', kind: 'local', present: true, fileBytes: 40n * GiB },
          { spec: 'busy.gguf', name: 'busy', kind: 'local', present: true },
          { spec: 'hf:Qwen/Qwen2.5-7B-GGUF/q4.gguf', name: 'qwen-7b', kind: 'download', present: false, fileBytes: 4n * GiB },
        ],
      }),
      estimateModel,
      selectModel,
      downloadModel: (req: { uri: string }, ctx: HandlerContext) => {
        const channel = new Channel<DownloadModelResponse>();
        downloads.push({ uri: req.uri, signal: ctx.signal, channel });
        return channel;
      },
    },
  };
  const progress = (downloadedBytes: bigint, totalBytes: bigint, done = false, path = '') =>
    create(DownloadModelResponseSchema, { downloadedBytes, totalBytes, done, path });
  return { daemon, downloads, selectModel, estimateModel, progress };
}

it('shows the model in use: name, backend, where it runs, context and file size', async () => {
  renderApp(modelDaemon().daemon, '#/models');
  const inUse = await screen.findByLabelText('Model in use');
  await waitFor(() => expect(inUse.textContent).toContain('tiny'));
  expect(inUse.textContent).toContain('llama.cpp');
  expect(inUse.textContent).toContain('CPU, 8 threads');
  expect(inUse.textContent).toContain('8,192 tokens');
  expect(inUse.textContent).toContain('30.0 MiB');
  expect(inUse.textContent).toContain('/home/me/.fleet/models');
  expect(screen.getByRole('heading', { name: 'Tokens per second' })).toBeTruthy();
  expect(screen.queryByText(/not available yet/i)).toBeNull();
});

it('lists the choices, the one in use marked, and estimates memory before loading, warning when it does not fit', async () => {
  const { daemon, estimateModel } = modelDaemon();
  renderApp(daemon, '#/models');
  const list = await screen.findByRole('list', { name: 'Models to choose from' });
  const item = (name: string) => within(list).getByRole('listitem', { name });
  expect(within(item('tiny')).getByText('in use')).toBeTruthy();
  expect(within(item('tiny')).queryByRole('button', { name: 'Use tiny' })).toBeNull();
  expect(within(item('qwen-7b')).getByRole('button', { name: 'Download qwen-7b' })).toBeTruthy();

  await userEvent.click(screen.getByRole('button', { name: 'Estimate memory for qwen-1.5b' }));
  expect(estimateModel).toHaveBeenLastCalledWith(expect.objectContaining({ spec: '/m/qwen-1.5b.gguf' }), expect.anything());
  const small = await within(item('qwen-1.5b')).findByRole('group', { name: 'Memory estimate for qwen-1.5b' });
  expect(small.textContent).toContain('model 1.0 GiB + context 256.0 MiB (8,192 tokens) = 1.3 GiB, with 12.0 GiB free now.');
  expect(small.textContent).toContain('Fits in the memory free now.');
  expect(within(small).queryByRole('alert')).toBeNull();

  await userEvent.click(screen.getByRole('button', { name: 'Estimate memory for llama-70b' }));
  const warning = await within(item('llama-70b')).findByRole('alert');
  expect(warning.textContent).toMatch(/^Does not fit: llama-70b needs 40\.3 GiB and only 12\.0 GiB is free\./);
  expect(within(item('llama-70b')).getByText('qwen2 · 70.0 B parameters')).toBeTruthy();

  // A model not downloaded yet: the daemon's reason, in words, beside it.
  await userEvent.click(screen.getByRole('button', { name: 'Estimate memory for qwen-7b' }));
  expect((await within(item('qwen-7b')).findByRole('alert')).textContent).toBe(
    'hf:Qwen/Qwen2.5-7B-GGUF/q4.gguf is not downloaded yet: download it first',
  );
});

it('switches to a choice with its Use button and shows the new model in use; a refusal is said beside the choice', async () => {
  const { daemon, selectModel } = modelDaemon();
  renderApp(daemon, '#/models');
  await userEvent.click(await screen.findByRole('button', { name: 'Use qwen-1.5b' }));
  expect(selectModel.mock.calls[0]?.[0].choice).toEqual({ case: 'local', value: '/m/qwen-1.5b.gguf' });
  const inUse = screen.getByLabelText('Model in use');
  await waitFor(() => expect(inUse.textContent).toContain('GPU: NVIDIA H200'));
  expect(inUse.textContent).toContain('qwen-1.5b.gguf');
  expect(inUse.textContent).toContain('2.0 GiB');
  const list = screen.getByRole('list', { name: 'Models to choose from' });
  expect(within(within(list).getByRole('listitem', { name: 'qwen-1.5b' })).getByText('in use')).toBeTruthy();
  expect(within(list).getByRole('button', { name: 'Use tiny' })).toBeTruthy();

  await userEvent.click(screen.getByRole('button', { name: 'Use busy' }));
  const refusal = await within(within(list).getByRole('listitem', { name: 'busy' })).findByRole('alert');
  expect(refusal.textContent).toBe('1 deliberation(s) running: stop them or wait, then switch the model');
  expect(inUse.textContent).toContain('GPU: NVIDIA H200');
});

it('downloads a model with progress, cancels it, resumes it with the same URI and offers to use the file', async () => {
  const { daemon, downloads, selectModel, progress } = modelDaemon();
  renderApp(daemon, '#/models');
  const form = await screen.findByRole('form', { name: 'Download a model' });
  const uri = 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf';
  await userEvent.type(within(form).getByLabelText('Model URI'), uri);
  await userEvent.click(within(form).getByRole('button', { name: 'Download' }));
  await waitFor(() => expect(downloads).toHaveLength(1));
  expect(downloads[0]?.uri).toBe(uri);

  downloads[0]?.channel.push(progress(100n * MiB, 400n * MiB));
  const bar = await within(form).findByRole('progressbar', { name: 'Download progress' });
  await waitFor(() => expect(bar.getAttribute('value')).toBe(String(100n * MiB)));
  expect(bar.getAttribute('max')).toBe(String(400n * MiB));
  expect(form.textContent).toContain('25% · 100.0 MiB of 400.0 MiB');
  expect(within(form).queryByRole('button', { name: 'Download' })).toBeNull();

  await userEvent.click(within(form).getByRole('button', { name: 'Cancel download' }));
  await waitFor(() => expect(downloads[0]?.signal.aborted).toBe(true));
  expect(within(form).getByRole('status').textContent).toMatch(/^Download cancelled\. What was fetched is kept/);
  expect(within(form).queryByRole('button', { name: 'Cancel download' })).toBeNull();

  await userEvent.click(within(form).getByRole('button', { name: 'Resume download' }));
  await waitFor(() => expect(downloads).toHaveLength(2));
  expect(downloads[1]?.uri).toBe(uri);
  expect(form.textContent).toContain('25% · 100.0 MiB of 400.0 MiB');
  downloads[1]?.channel.push(progress(300n * MiB, 400n * MiB));
  await waitFor(() => expect(form.textContent).toContain('75% · 300.0 MiB of 400.0 MiB'));
  downloads[1]?.channel.push(progress(400n * MiB, 400n * MiB, true, '/home/me/.fleet/models/qwen2.5-0.5b-instruct-q4_k_m.gguf'));
  downloads[1]?.channel.close();

  const use = await within(form).findByRole('button', { name: 'Use qwen2.5-0.5b-instruct-q4_k_m.gguf' });
  expect(within(form).queryByRole('progressbar')).toBeNull();
  await userEvent.click(use);
  expect(selectModel.mock.calls[0]?.[0].choice).toEqual({
    case: 'local',
    value: '/home/me/.fleet/models/qwen2.5-0.5b-instruct-q4_k_m.gguf',
  });
  await waitFor(() => expect(screen.getByLabelText('Model in use').textContent).toContain('qwen2.5-0.5b-instruct-q4_k_m.gguf'));
  expect(within(form).getByText('Now using qwen2.5-0.5b-instruct-q4_k_m.gguf.').getAttribute('role')).toBe('status');
});

it('keeps a download going while another view is open', async () => {
  const { daemon, downloads, progress } = modelDaemon();
  renderApp({ ...daemon, orchestrator: { ...daemon.orchestrator, listCouncils: () => ({ councils: [] }) } }, '#/models');
  await userEvent.click(await screen.findByRole('button', { name: 'Download qwen-7b' }));
  await waitFor(() => expect(downloads).toHaveLength(1));
  window.location.hash = '#/councils';
  await screen.findByRole('heading', { level: 1, name: 'Councils' });
  downloads[0]?.channel.push(progress(1n * GiB, 4n * GiB));
  window.location.hash = '#/models';
  await waitFor(() => expect(screen.getByRole('form', { name: 'Download a model' }).textContent).toContain('25% · 1.0 GiB of 4.0 GiB'));
  expect(downloads[0]?.signal.aborted).toBe(false);
});

it('says in words why a download failed, naming the field, and offers to resume it', async () => {
  const { daemon } = modelDaemon();
  renderApp(
    {
      ...daemon,
      desktop: {
        ...daemon.desktop,
        downloadModel: () => {
          throw new ConnectError('uri: expected an hf: or https:// URI of a GGUF file, got "ftp://x"', Code.InvalidArgument);
        },
      },
    },
    '#/models',
  );
  const form = await screen.findByRole('form', { name: 'Download a model' });
  await userEvent.type(within(form).getByLabelText('Model URI'), 'ftp://x');
  await userEvent.click(within(form).getByRole('button', { name: 'Download' }));
  const alert = await within(form).findByRole('alert');
  expect(alert.textContent).toBe('Model URI: expected an hf: or https:// URI of a GGUF file, got "ftp://x"');
  expect(within(form).getByLabelText('Model URI').getAttribute('aria-invalid')).toBe('true');
  expect(within(form).getByRole('button', { name: 'Resume download' })).toBeTruthy();
});

it('uses a remote server; an unreachable server or a model it does not serve is said next to the field at fault', async () => {
  const { daemon, selectModel } = modelDaemon();
  renderApp(daemon, '#/models');
  const form = await screen.findByRole('form', { name: 'Use a remote server' });
  const url = within(form).getByLabelText('Server URL');
  const model = within(form).getByLabelText('Model name');
  const key = within(form).getByLabelText('API key');
  expect(key.getAttribute('type')).toBe('password');

  await userEvent.type(url, 'http://gpu-box-down:8000/v1');
  await userEvent.type(model, 'qwen');
  await userEvent.type(key, 's3cret');
  await userEvent.click(within(form).getByRole('button', { name: 'Use remote server' }));
  const unreachable = await within(form).findByRole('alert');
  expect(unreachable.textContent).toBe(
    'The server at http://gpu-box-down:8000/v1 cannot be reached: connect ECONNREFUSED http://gpu-box-down:8000/v1',
  );
  expect(url.getAttribute('aria-invalid')).toBe('true');
  const asked = selectModel.mock.calls[0]?.[0].choice;
  expect(asked?.case).toBe('remote');
  expect(asked?.case === 'remote' ? [asked.value.url, asked.value.model, asked.value.apiKey] : []).toEqual([
    'http://gpu-box-down:8000/v1',
    'qwen',
    's3cret',
  ]);

  await userEvent.clear(url);
  await userEvent.type(url, 'http://gpu-box:8000/v1');
  await userEvent.clear(model);
  await userEvent.type(model, 'llama');
  await userEvent.click(within(form).getByRole('button', { name: 'Use remote server' }));
  await waitFor(() => expect(within(form).getByRole('alert').textContent).toMatch(/^Model name: expected one of the models/));
  expect(model.getAttribute('aria-invalid')).toBe('true');
  expect(model.getAttribute('aria-describedby')).toBe(within(form).getByRole('alert').id);
  expect(url.getAttribute('aria-invalid')).toBeNull();

  await userEvent.clear(url);
  await userEvent.type(url, 'gpu-box');
  await userEvent.click(within(form).getByRole('button', { name: 'Use remote server' }));
  await waitFor(() => expect(within(form).getByRole('alert').textContent).toMatch(/^Server URL: expected the http\(s\) URL/));
  expect(url.getAttribute('aria-invalid')).toBe('true');

  await userEvent.clear(url);
  await userEvent.type(url, 'http://gpu-box:8000/v1');
  await userEvent.clear(model);
  await userEvent.type(model, 'qwen');
  await userEvent.click(within(form).getByRole('button', { name: 'Use remote server' }));
  await waitFor(() => expect(within(form).getByRole('status').textContent).toBe('Now using qwen.'));
  expect(within(form).queryByRole('alert')).toBeNull();
  await waitFor(() => expect(screen.getByLabelText('Model in use').textContent).toContain('openai-http'));
});
