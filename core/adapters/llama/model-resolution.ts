/**
 * Turns the `--model` value into a GGUF file on disk: the built-in tiny model, a local file, or a
 * model URI (`hf:user/repo:quant` or an https URL) downloaded once into the models folder.
 */
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { resolveModelFile } from 'node-llama-cpp';
import { abortError, FleetError, invalidArgument } from '../../domain/errors.js';
import { TINY_MODEL_NAME, writeTinyModel } from './synthetic/tiny-model.js';

/** Qwen3 0.6B, 8-bit: ~640 MB, small enough for a laptop CPU and good at following a JSON schema. */
export const DEFAULT_MODEL_URI = 'hf:Qwen/Qwen3-0.6B-GGUF:Q8_0';

const HUGGING_FACE = 'https://huggingface.co/';
const OFFLINE_HINT = 'run with --model tiny for the built-in test model, or --model PATH for a local GGUF';

export interface DownloadProgress {
  readonly downloadedBytes: number;
  readonly totalBytes: number;
}

export interface ResolveModelOptions {
  /** Where downloads and the tiny model are kept. */
  readonly modelsDir: string;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly signal?: AbortSignal;
  /** How long to wait for the download host to answer before calling it unreachable. */
  readonly connectTimeoutMs?: number;
  /**
   * Lets a plain `http://` URL be downloaded. Off by default: the file's bytes are loaded and run by
   * llama.cpp, and anyone on the path (café Wi-Fi, a proxy) could swap them on the way.
   */
  readonly allowInsecureDownload?: boolean;
}

export interface ResolvedModel {
  readonly path: string;
  /** For ModelInfo.name: `tiny`, the file name, or the URI. */
  readonly name: string;
}

const isModelUri = (spec: string): boolean => spec.startsWith('hf:') || /^https?:\/\//i.test(spec);

export async function resolveModel(spec: string, options: ResolveModelOptions): Promise<ResolvedModel> {
  if (options.signal?.aborted) throw abortError(options.signal);
  if (spec === TINY_MODEL_NAME) {
    const path = await writeTinyModel(join(options.modelsDir, 'swe-fleet-tiny.gguf'));
    return { path, name: TINY_MODEL_NAME };
  }
  if (isModelUri(spec)) {
    if (/^http:\/\//i.test(spec) && options.allowInsecureDownload !== true) {
      throw invalidArgument(
        'model',
        'an https:// URL (a plain http:// download can be altered on the way; pass --allow-insecure-download to take it anyway)',
        spec,
      );
    }
    return { path: await download(spec, options), name: spec };
  }

  const path = resolve(spec);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) {
    throw invalidArgument('model', `"${TINY_MODEL_NAME}", an existing .gguf file, or an hf:/https model URI`, spec);
  }
  return { path, name: basename(path) };
}

/** Where a model URI's file is when it was downloaded before; undefined when it was not. */
export const downloadedModel = (uri: string, modelsDir: string): Promise<string | undefined> =>
  resolveModelFile(uri, { directory: modelsDir, download: false, cli: false, fileName: urlFileName(uri) }).catch(() => undefined);

async function download(uri: string, options: ResolveModelOptions): Promise<string> {
  const fileName = urlFileName(uri);
  const cached = await downloadedModel(uri, options.modelsDir);
  if (cached !== undefined) return cached;

  // node-llama-cpp's downloader retries an unreachable host for minutes; ask the host once first so
  // an offline machine gets its answer in milliseconds.
  const host = uri.startsWith('hf:') ? HUGGING_FACE : uri;
  await checkReachable(host, uri, options);

  try {
    return await raceAbort(
      resolveModelFile(uri, {
        directory: options.modelsDir,
        cli: false,
        fileName,
        signal: options.signal,
        // What was fetched before a cancel stays, so asking again resumes instead of starting over.
        deleteTempFileOnCancel: false,
        onProgress: ({ downloadedSize, totalSize }) => options.onProgress?.({ downloadedBytes: downloadedSize, totalBytes: totalSize }),
      }),
      options.signal,
    );
  } catch (error) {
    if (options.signal?.aborted) throw abortError(options.signal);
    throw unavailable(uri, host, describeError(error), error);
  }
}

/**
 * The name a URL's file is kept under. node-llama-cpp derives names only for Hugging Face URLs, so
 * without one a plain URL's earlier download could not be found offline.
 */
function urlFileName(uri: string): string | undefined {
  if (uri.startsWith('hf:')) return undefined;
  let path: string;
  try {
    path = new URL(uri).pathname;
  } catch {
    throw invalidArgument('model', 'a valid https URL', uri);
  }
  const name = decodeURIComponent(basename(path));
  return /\.gguf$/i.test(name) ? name : undefined;
}

async function checkReachable(host: string, uri: string, options: ResolveModelOptions): Promise<void> {
  const timeout = AbortSignal.timeout(options.connectTimeoutMs ?? 15_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    // Any HTTP answer, even an error status, proves the network works; the downloader reports the rest.
    const response = await fetch(host, { method: 'HEAD', signal, redirect: 'manual' });
    await response.body?.cancel();
  } catch (error) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const reason = timeout.aborted ? `no answer within ${options.connectTimeoutMs ?? 15_000} ms` : describeError(error);
    throw unavailable(uri, host, `${reason} (no network?)`, error);
  }
}

const unavailable = (uri: string, host: string, reason: string, cause: unknown): FleetError =>
  new FleetError('UNAVAILABLE', `model ${uri} could not be downloaded from ${new URL(host).host}: ${reason}; ${OFFLINE_HINT}`, { cause });

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ? `${error.message} (${cause.code})` : error.message;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
