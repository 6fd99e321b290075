import { Command } from 'commander';

import { terminalSafe } from '../../core/base/terminal-text.js';
import { FleetError } from '../../core/domain/errors.js';
import { downloadModel, estimateModel, modelChoices } from '../compose-models.js';
import { loadConfig } from '../config.js';
import { type CommonFlags, overridesOf, withCommonOptions } from './common-options.js';
import { downloadPrinter } from './progress.js';

const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

export function modelsCommand(): Command {
  const models = new Command('models').description('the models this machine can run: list, memory estimates, downloads');

  models.addCommand(
    withCommonOptions(
      new Command('list').description('the built-in model, the default download and the GGUF files in the models folder'),
    ).action(async (flags: CommonFlags) => {
      const { choices, modelsDir } = await modelChoices(loadConfig(overridesOf(flags)));
      process.stdout.write(`models folder: ${terminalSafe(modelsDir)}\n`);
      for (const c of choices) {
        const size = c.fileBytes === undefined ? '' : `  ${mib(c.fileBytes)}`;
        process.stdout.write(`${c.present ? '*' : ' '} ${terminalSafe(c.spec)}  (${c.kind}${size}) ${terminalSafe(c.description)}\n`);
      }
    }),
  );

  models.addCommand(
    withCommonOptions(
      new Command('estimate')
        .description('the memory a model would take, read from its file before loading')
        .argument('<spec>', 'tiny, a GGUF path or a downloaded URI'),
    ).action(async (spec: string, flags: CommonFlags) => {
      const e = await estimateModel(loadConfig(overridesOf(flags)), spec);
      const total = e.modelRamBytes + e.contextRamBytes;
      process.stdout.write(
        `${e.architecture}, ${(e.parameters / 1e6).toFixed(1)}M parameters, file ${mib(e.fileBytes)}\n` +
          `weights ${mib(e.modelRamBytes)} + context (${e.contextTokens} tokens) ${mib(e.contextRamBytes)} = ${mib(total)}; ${mib(e.systemFreeBytes)} free${total > e.systemFreeBytes ? ' — it does not fit now' : ''}\n`,
      );
    }),
  );

  models.addCommand(
    withCommonOptions(
      new Command('download')
        .description('download a model into the models folder; interrupted, it resumes from what it fetched when run again')
        .argument('<uri>', 'an hf: or https:// URI of a GGUF file')
        .option('--json', 'one JSON object per line: progress, then {path, file_bytes} or {error}'),
    ).action(async (uri: string, flags: CommonFlags & { json?: boolean }) => {
      const config = loadConfig(overridesOf(flags));
      const stop = new AbortController();
      const onSignal = (): void => stop.abort(new FleetError('CANCELLED', 'download cancelled; run it again to resume'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const line = (o: unknown): boolean => process.stdout.write(`${JSON.stringify(o)}\n`);
      const printer = downloadPrinter(process.stderr);
      try {
        const file = await downloadModel(config, uri, {
          signal: stop.signal,
          onProgress: (p) =>
            flags.json === true ? line({ downloaded_bytes: p.downloadedBytes, total_bytes: p.totalBytes }) : printer({ ...p, name: uri }),
        });
        if (flags.json === true) line({ path: file.path, file_bytes: file.fileBytes });
        else process.stdout.write(`${terminalSafe(file.path)} (${mib(file.fileBytes)})\n`);
      } catch (e) {
        if (flags.json === true && e instanceof FleetError)
          line({ error: { code: e.code, message: e.message, ...(e.field === undefined ? {} : { field: e.field }) } });
        throw e;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }),
  );
  return models;
}
