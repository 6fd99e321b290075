import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { freemem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { z } from 'zod';

import { DEFAULT_MODEL_URI, downloadedModel, estimateModelMemory, resolveModel, TINY_MODEL_NAME } from '../core/adapters/llama/index.js';
import { listModels } from '../core/adapters/openai-http/index.js';
import { abortError, ERROR_CODES, FleetError, invalidArgument } from '../core/domain/errors.js';
import type { Deliberations } from '../core/app/deliberations.js';
import type { MemoryEstimate, ModelCatalog, ModelChoice, ModelSelection } from '../core/ports/monitoring.js';
import { type Core, openLanguageModel, paths } from './compose.js';
import { DEFAULT_MODEL_SPEC, type FleetConfig, saveModelChoice } from './config.js';
import type { Logger } from './log.js';

const TINY_FILE = 'swe-fleet-tiny.gguf';

const FLEET_BIN = join(import.meta.dirname, '..', 'bin', 'fleet.js');
const isUri = (spec: string): boolean => spec.startsWith('hf:') || /^https?:\/\//i.test(spec);

/** The file a model spec names on this machine, without downloading anything. */
async function modelFile(spec: string, modelsDir: string): Promise<string> {
  if (spec === TINY_MODEL_NAME) return (await resolveModel(TINY_MODEL_NAME, { modelsDir })).path;
  if (isUri(spec)) {
    const path = await downloadedModel(spec, modelsDir);
    if (path === undefined)
      throw new FleetError('FAILED_PRECONDITION', `${spec} is not downloaded yet: download it first`, { field: 'spec' });
    return path;
  }
  return resolve(spec);
}

/** What can be chosen: the built-in model, the default download and the GGUF files in the models folder. */
export async function modelChoices(config: FleetConfig): Promise<{ choices: ModelChoice[]; modelsDir: string }> {
  const modelsDir = paths(config).models;
  const choices: ModelChoice[] = [
    { spec: TINY_MODEL_NAME, name: 'tiny', kind: 'built-in', present: true, description: 'built-in test model: instant, writes gibberish' },
  ];
  const defaultPath = await downloadedModel(DEFAULT_MODEL_URI, modelsDir);
  choices.push({
    spec: DEFAULT_MODEL_URI,
    name: 'Qwen3-0.6B (Q8_0)',
    kind: 'download',
    present: defaultPath !== undefined,
    ...(defaultPath === undefined ? {} : { fileBytes: (await stat(defaultPath)).size }),
    description: 'the default model: downloaded on first use (about 640 MB)',
  });
  const files = await readdir(modelsDir).catch(() => [] as string[]);
  for (const name of files.filter((f) => f.endsWith('.gguf') && f !== TINY_FILE).sort()) {
    const path = join(modelsDir, name);
    if (path === defaultPath) continue;
    choices.push({
      spec: path,
      name,
      kind: 'local',
      present: true,
      fileBytes: (await stat(path)).size,
      description: 'a GGUF file in the models folder',
    });
  }
  return { choices, modelsDir };
}

/** The memory a model would take, from its file's header. */
export async function estimateModel(config: FleetConfig, spec: string): Promise<MemoryEstimate> {
  const estimate = await estimateModelMemory(await modelFile(spec, paths(config).models));
  return { ...estimate, systemFreeBytes: freemem() };
}

export interface DownloadEvents {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { downloadedBytes: number; totalBytes: number }) => void;
}

/** Downloads a model into the models folder in this process (`fleet models download`). */
export async function downloadModel(
  config: FleetConfig,
  uri: string,
  events: DownloadEvents = {},
): Promise<{ path: string; fileBytes: number }> {
  if (!isUri(uri)) throw invalidArgument('uri', 'an hf: or https:// URI of a GGUF file', uri);
  const { path } = await resolveModel(uri, {
    modelsDir: paths(config).models,
    allowInsecureDownload: config.allowInsecureDownload === true,
    ...(events.signal === undefined ? {} : { signal: events.signal }),
    ...(events.onProgress === undefined ? {} : { onProgress: events.onProgress }),
  });
  return { path, fileBytes: (await stat(path)).size };
}

/**
 * The daemon downloads in a child `fleet models download`: the downloader throws outside its promises
 * on a host that breaks HTTP's range rules, which would end the whole daemon; here it ends the child.
 */
function downloadInChild(config: FleetConfig, uri: string, events: Required<DownloadEvents>): Promise<{ path: string; fileBytes: number }> {
  const args = [FLEET_BIN, 'models', 'download', uri, '--data-dir', config.dataDir, '--json'];
  if (config.allowInsecureDownload === true) args.push('--allow-insecure-download');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolvePromise, reject) => {
    let result: { path: string; fileBytes: number } | undefined;
    let error: FleetError | undefined;
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = downloadMessage.safeParse(safeJson(line));
      if (!message.success) return;
      const m = message.data;
      if ('downloaded_bytes' in m) events.onProgress({ downloadedBytes: m.downloaded_bytes, totalBytes: m.total_bytes });
      else if ('path' in m) result = { path: m.path, fileBytes: m.file_bytes };
      else error = new FleetError(m.error.code, m.error.message, { ...(m.error.field === undefined ? {} : { field: m.error.field }) });
    });
    // Stopped with SIGTERM, the child closes the download and keeps what it fetched; KILL only if it hangs.
    const cancel = (): void => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    };
    events.signal.addEventListener('abort', cancel, { once: true });
    child.once('error', (e) => reject(new FleetError('UNAVAILABLE', `cannot start the download: ${e.message}`, { cause: e })));
    child.once('close', (code) => {
      events.signal.removeEventListener('abort', cancel);
      if (events.signal.aborted) reject(abortError(events.signal));
      else if (result !== undefined) resolvePromise(result);
      else reject(error ?? new FleetError('INTERNAL', `the download stopped (exit ${code}): ${stderr.trim() || 'it said nothing'}`));
    });
  });
}

const downloadMessage = z.union([
  z.object({ downloaded_bytes: z.number(), total_bytes: z.number() }),
  z.object({ path: z.string(), file_bytes: z.number() }),
  z.object({ error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), field: z.string().optional() }) }),
]);

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The Models view over this daemon's models folder, its model slot and its config file. */
export function createModelCatalog(config: FleetConfig, core: Pick<Core, 'model' | 'fleet'>, log: Logger): ModelCatalog {
  let spec = config.llmUrl ?? config.model;
  // One switch at a time: a second would load a model only to close it.
  let switching = false;

  return {
    current: () => ({
      info: core.model.info,
      ...(core.model.contextTokens === undefined ? {} : { contextTokens: core.model.contextTokens }),
      spec,
    }),

    list: () => modelChoices(config),
    estimate: (choice) => estimateModel(config, choice),
    download: (uri, events) => downloadInChild(config, uri, events),

    async select(selection) {
      refuseWhileBusy(core.fleet.deliberations);
      if (switching) throw new FleetError('FAILED_PRECONDITION', 'another model is being loaded: wait for it');
      switching = true;
      try {
        if (selection.kind === 'remote') await checkServes(selection);
        const next = await openLanguageModel(configFor(config, selection), { log });
        await core.model.replace(next);
        spec = selection.kind === 'local' ? selection.spec : selection.url;
        saveModelChoice(
          config.dataDir,
          selection.kind === 'local'
            ? { model: selection.spec }
            : {
                llmUrl: selection.url,
                ...(selection.model === undefined ? {} : { llmModel: selection.model }),
                ...(selection.apiKey === undefined ? {} : { llmApiKey: selection.apiKey }),
              },
        );
        log.log('info', 'model replaced', { model: next.info.name });
        return next.info;
      } finally {
        switching = false;
      }
    },
  };
}

/** A server chosen in the app answers now and serves the model named, or the choice is refused. */
async function checkServes(remote: Extract<ModelSelection, { kind: 'remote' }>): Promise<void> {
  const served = await listModels(remote.url, { ...(remote.apiKey === undefined ? {} : { apiKey: remote.apiKey }), timeoutMs: 5_000 });
  if (remote.model !== undefined && !served.includes(remote.model)) {
    throw invalidArgument('remote.model', `one of the models ${remote.url} serves (${served.join(', ') || 'none'})`, remote.model);
  }
}

function refuseWhileBusy(deliberations: Deliberations): void {
  const running = deliberations.running().length;
  if (running > 0) {
    throw new FleetError('FAILED_PRECONDITION', `${running} deliberation(s) running: stop them or wait, then switch the model`);
  }
}

function configFor(config: FleetConfig, selection: ModelSelection): FleetConfig {
  const { llmUrl: _url, llmModel: _name, llmApiKey: _key, ...local } = config;
  if (selection.kind === 'local') return { ...local, model: selection.spec === '' ? DEFAULT_MODEL_SPEC : selection.spec };
  return {
    ...local,
    llmUrl: selection.url,
    ...(selection.model === undefined ? {} : { llmModel: selection.model }),
    ...(selection.apiKey === undefined ? {} : { llmApiKey: selection.apiKey }),
  };
}
