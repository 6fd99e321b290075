import { readdir, stat } from 'node:fs/promises';
import { freemem } from 'node:os';
import { join, resolve } from 'node:path';

import { DEFAULT_MODEL_URI, downloadedModel, estimateModelMemory, resolveModel, TINY_MODEL_NAME } from '../core/adapters/llama/index.js';
import { listModels } from '../core/adapters/openai-http/index.js';
import { FleetError, invalidArgument } from '../core/domain/errors.js';
import type { FleetService } from '../core/ports/fleet-service.js';
import type { ModelCatalog, ModelChoice, ModelSelection } from '../core/ports/monitoring.js';
import { type Core, openLanguageModel, paths } from './compose.js';
import { DEFAULT_MODEL_SPEC, type FleetConfig, saveModelChoice } from './config.js';
import type { Logger } from './log.js';

const TINY_FILE = 'swe-fleet-tiny.gguf';

/** The Models view over this daemon's models folder, its model slot and its config file. */
export function createModelCatalog(config: FleetConfig, core: Pick<Core, 'model' | 'fleet'>, log: Logger): ModelCatalog {
  const modelsDir = paths(config).models;
  let spec = config.llmUrl ?? config.model;
  // One switch at a time: a second would load a model only to close it.
  let switching = false;

  const pathOf = async (choice: string): Promise<string> => {
    if (choice === TINY_MODEL_NAME) return (await resolveModel(TINY_MODEL_NAME, { modelsDir })).path;
    if (choice.startsWith('hf:') || /^https?:\/\//i.test(choice)) {
      const path = await downloadedModel(choice, modelsDir);
      if (path === undefined)
        throw new FleetError('FAILED_PRECONDITION', `${choice} is not downloaded yet: download it first`, { field: 'spec' });
      return path;
    }
    return resolve(choice);
  };

  return {
    current: () => ({
      info: core.model.info,
      ...(core.model.contextTokens === undefined ? {} : { contextTokens: core.model.contextTokens }),
      spec,
    }),

    async list() {
      const choices: ModelChoice[] = [
        {
          spec: TINY_MODEL_NAME,
          name: 'tiny',
          kind: 'built-in',
          present: true,
          description: 'built-in test model: instant, writes gibberish',
        },
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
    },

    async estimate(choice) {
      const estimate = await estimateModelMemory(await pathOf(choice));
      return { ...estimate, systemFreeBytes: freemem() };
    },

    async download(uri, { signal, onProgress }) {
      const { path } = await resolveModel(uri, {
        modelsDir,
        signal,
        onProgress,
        allowInsecureDownload: config.allowInsecureDownload === true,
      });
      return { path, fileBytes: (await stat(path)).size };
    },

    async select(selection) {
      refuseWhileBusy(core.fleet);
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

function refuseWhileBusy(fleet: FleetService): void {
  const { running } = fleet.status();
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
