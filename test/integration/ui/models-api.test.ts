import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliberateRequestSchema, DeliberationStatus } from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { Code, codeOf, uiClients, type UiClients } from '../../support/connect-client.js';
import { type DaemonProcess, startDaemon, tempDataDir } from '../../support/fleet-process.js';

// The Models view's API against the real daemon: what can be chosen, what it would take in memory, a
// download with progress that is cancelled and resumed, and switching the model while serving.

let dataDir: string;
let daemon: DaemonProcess;
let desktop: UiClients['desktop'];
let orchestrator: UiClients['orchestrator'];
let files: Server;
let filesBase: string;
/** Large enough for the downloader's 5 MiB pieces: a resume restarts at a piece's start. */
const big = Buffer.alloc(16 * 1024 ** 2, 7);
/** Range headers of the requests the file server saw. */
const ranges: (string | undefined)[] = [];
let gguf: Buffer;

beforeAll(async () => {
  dataDir = tempDataDir();
  daemon = await startDaemon(dataDir, ['--ui-port', '0', '--allow-insecure-download']);
  const url = new URL(/^ui: (\S+)$/m.exec(daemon.output())![1]!);
  ({ desktop, orchestrator } = uiClients(url.origin, url.searchParams.get('token')!));
  gguf = readFileSync(join(dataDir, 'models', 'swe-fleet-tiny.gguf'));
  // A slow model host: 64 KiB every 10 ms, honouring Range so a download can resume.
  files = createServer((req, res) => {
    const file = req.url === '/models/other-tiny.gguf' ? gguf : big;
    if (req.url === '/models/big.gguf') ranges.push(req.headers.range);
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const start = Number(range?.[1] ?? 0);
    // broken.gguf ignores where a range ends: a host that breaks the protocol.
    const end = range?.[2] && req.url !== '/models/broken.gguf' ? Number(range[2]) : file.length - 1;
    const body = file.subarray(start, end + 1);
    res.writeHead(range === null ? 200 : 206, {
      'content-length': body.length,
      'accept-ranges': 'bytes',
      ...(range === null ? {} : { 'content-range': `bytes ${start}-${end}/${file.length}` }),
    });
    if (req.method === 'HEAD') return res.end();
    let at = 0;
    const timer = setInterval(() => {
      if (at >= body.length || res.destroyed) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(body.subarray(at, at + 65_536));
      at += 65_536;
    }, 10);
    res.once('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  filesBase = `http://127.0.0.1:${(files.address() as AddressInfo).port}/models`;
});

afterAll(async () => {
  files?.closeAllConnections();
  files?.close();
  await daemon?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the Models API', () => {
  it('lists the model in use, the built-in one and the default download', async () => {
    const models = await desktop.listModels({});
    expect(models.current).toMatchObject({ name: 'tiny', backend: 'llama.cpp' });
    expect(models.currentSpec).toBe('tiny');
    expect(models.choices.find((c) => c.spec === 'tiny')).toMatchObject({ kind: 'built-in', present: true });
    expect(models.choices.find((c) => c.kind === 'download')).toMatchObject({ present: false });
  });

  it('estimates the memory of a model from its header, before loading it', async () => {
    const e = await desktop.estimateModel({ spec: 'tiny' });
    expect(Number(e.fileBytes)).toBe(gguf.length);
    expect(Number(e.modelRamBytes)).toBeGreaterThan(0);
    expect(Number(e.contextRamBytes)).toBeGreaterThan(0);
    expect(Number(e.totalRamBytes)).toBe(Number(e.modelRamBytes) + Number(e.contextRamBytes));
    expect(e.fits).toBe(true);
    expect(e.architecture).toBe('llama');
    const missing = await codeOf(desktop.estimateModel({ spec: 'hf:Qwen/Qwen3-0.6B-GGUF:Q8_0' }));
    expect(missing).toMatchObject({ code: Code.FailedPrecondition, message: expect.stringContaining('download it first') });
    expect(await codeOf(desktop.estimateModel({ spec: '' }))).toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining('spec'),
    });
  });

  it('downloads with progress; a cancelled download resumes from what it had', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const first = (async () => {
      for await (const p of desktop.downloadModel({ uri: `${filesBase}/big.gguf` }, { signal: controller.signal })) {
        seen.push(Number(p.downloadedBytes));
        if (Number(p.downloadedBytes) > big.length * 0.7) controller.abort();
      }
    })();
    expect((await codeOf(first)).code).toBe(Code.Canceled);
    expect(seen.length).toBeGreaterThan(0);
    let last;
    const progress: number[] = [];
    for await (const p of desktop.downloadModel({ uri: `${filesBase}/big.gguf` })) {
      progress.push(Number(p.downloadedBytes));
      last = p;
    }
    if (last === undefined) throw new Error('the download reported nothing');
    expect(last).toMatchObject({ done: true });
    expect(Number(last.totalBytes)).toBe(big.length);
    expect(readFileSync(last.path).equals(big)).toBe(true);
    // Resumed: the second download asked only for the pieces it lacked, not the whole file again.
    expect(ranges, JSON.stringify(ranges)).toContainEqual(expect.stringMatching(/^bytes=[1-9]\d*-/));
    expect(progress[0]).toBeGreaterThan(0);
  });

  it('survives a host that breaks the range rules: the download fails in words, the daemon serves on', async () => {
    const failed = await codeOf(
      (async () => {
        for await (const _ of desktop.downloadModel({ uri: `${filesBase}/broken.gguf` })) void _;
      })(),
    );
    expect(failed.message.length).toBeGreaterThan(10);
    expect(failed.message).not.toMatch(/\n\s+at /);
    expect((await desktop.getSystemInfo({})).health).toBe('SERVING');
  });

  it('switches the model while serving, keeps the choice, and refuses to while a deliberation runs', async () => {
    let path = '';
    for await (const p of desktop.downloadModel({ uri: `${filesBase}/other-tiny.gguf` })) path = p.path;
    expect(path).toBe(join(dataDir, 'models', 'other-tiny.gguf'));
    expect((await desktop.selectModel({ choice: { case: 'local', value: path } })).model?.name).toBe('other-tiny.gguf');
    expect((await desktop.listModels({})).current?.name).toBe('other-tiny.gguf');
    expect(JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8'))).toMatchObject({ model: path });
    // The next deliberation runs on it and says so.
    const request = create(DeliberateRequestSchema, {
      taskDescription: 'Cache the build outputs',
      role: 'DEV',
      numAgents: 4,
      rounds: 2,
      constraints: { maxTokens: 2000 },
    });
    const { taskId } = await desktop.startDeliberation({ request });
    expect(await codeOf(desktop.selectModel({ choice: { case: 'local', value: 'tiny' } }))).toMatchObject({
      code: Code.FailedPrecondition,
      message: expect.stringContaining('running'),
    });
    for await (const _ of orchestrator.streamDeliberation({ taskId })) void _;
    const result = await orchestrator.getDeliberationResult({ taskId });
    expect(result.status).toBe(DeliberationStatus.COMPLETED);
    expect(result.detail?.model).toBe('other-tiny.gguf');

    // A port nothing listens on: the one a closed server had.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const remote = { url: `http://127.0.0.1:${port}/v1`, model: 'x' };
    const unreachable = await codeOf(desktop.selectModel({ choice: { case: 'remote', value: remote } }));
    expect(unreachable.code).toBe(Code.Unavailable);
    expect((await desktop.listModels({})).current?.name).toBe('other-tiny.gguf');
    expect(await codeOf(desktop.selectModel({ choice: { case: 'remote', value: { url: 'ftp://x' } } }))).toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining('remote.url'),
    });
    expect((await desktop.selectModel({ choice: { case: 'local', value: 'tiny' } })).model?.name).toBe('tiny');
  });
});
