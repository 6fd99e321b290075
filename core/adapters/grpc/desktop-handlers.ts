import type { handleServerStreamingCall } from '@grpc/grpc-js';
import {
  DeliberationSort,
  type DownloadModelRequest,
  type DownloadModelResponse,
  type ModelInfo,
  type SelectModelRequest,
  type DeliberationSummary,
  type DesktopServiceServer,
  type GetSystemInfoResponse,
  type WatchEventsRequest,
  type WatchEventsResponse,
} from '../../../proto/gen/fleet/desktop/v1/desktop.js';
import { DeliberationStatus as ProtoStatus } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { type Deliberation, type DeliberationStatus, DELIBERATION_STATUSES } from '../../domain/deliberation.js';
import { FleetError, invalidArgument } from '../../domain/errors.js';
import { elapsedMs, type HistoryQuery, type HistorySort } from '../../domain/history.js';
import { checkTaskId, parseRole } from '../../domain/validation.js';
import type { ModelInfo as ModelInfoPort } from '../../ports/language-model.js';
import type { Log } from '../../ports/log.js';
import type { EventMonitor, ModelCatalog, ModelSelection, SystemInfo } from '../../ports/monitoring.js';
import type { StatusService } from '../../ports/status-service.js';
import { callSignal } from './call-signal.js';
import type { FleetUseCases } from './fleet-use-cases.js';
import { toDeliberateCommand } from './request-mapping.js';
import { type ServerFacts, toProtoStatus } from './response-mapping.js';
import { toGrpcError } from './status-codes.js';
import { unaryCalls } from './unary-call.js';
import { checkDecoded } from './undecodable-requests.js';

/** What the desktop service needs beyond the core: the event streams (absent without NATS) and the machine. */
export interface DesktopSources {
  readonly events?: EventMonitor;
  readonly system: () => Promise<SystemInfo>;
  readonly models: ModelCatalog;
}

const MAX_PAGE = 500;
const DEFAULT_PAGE = 50;
const DEFAULT_DEAD_LETTERS = 100;
const MAX_DEAD_LETTERS = 10_000;
const PROGRESS_INTERVAL_MS = 200;

const SORTS: Readonly<Partial<Record<DeliberationSort, HistorySort>>> = {
  [DeliberationSort.DELIBERATION_SORT_NEWEST]: 'newest',
  [DeliberationSort.DELIBERATION_SORT_OLDEST]: 'oldest',
  [DeliberationSort.DELIBERATION_SORT_LONGEST]: 'longest',
  [DeliberationSort.DELIBERATION_SORT_SHORTEST]: 'shortest',
};

const FROM_PROTO_STATUS = new Map<ProtoStatus, DeliberationStatus>(DELIBERATION_STATUSES.map((s) => [toProtoStatus(s), s]));

/** DesktopService over the driving port and the monitoring sources; requests validated once, here. */
export function desktopHandlers(
  { deliberations, status }: FleetUseCases,
  sources: DesktopSources,
  facts: ServerFacts,
  log: Log,
): DesktopServiceServer {
  const unary = unaryCalls(log);
  const events = (): EventMonitor => {
    if (sources.events === undefined)
      throw new FleetError('FAILED_PRECONDITION', 'this daemon runs without NATS: there are no event streams');
    return sources.events;
  };

  return {
    startDeliberation: unary('StartDeliberation', async (request) => {
      if (request.request === undefined) throw invalidArgument('request', 'the deliberation to start (a DeliberateRequest)');
      const command = toDeliberateCommand(request.request);
      // No call signal: the deliberation outlives this call. The answer comes with its first event (it
      // runs) or its refusal, whichever is first; a task already completed answers with its record.
      const started = await new Promise<Deliberation | { taskId: string }>((resolve, reject) => {
        const run = request.orchestrate
          ? deliberations.orchestrate(command, { onEvent: resolve })
          : deliberations.deliberate(command, { onEvent: resolve });
        run.then(resolve, (error: unknown) => {
          reject(error instanceof Error ? error : new Error(String(error)));
          log('info', 'StartDeliberation: the deliberation ended with an error', { error: String(error) });
        });
      });
      const attempt = 'attempt' in started ? (started.attempt ?? 1) : ((await deliberations.getDeliberation(started.taskId)).attempt ?? 1);
      return { taskId: started.taskId, attempt };
    }),

    listDeliberations: unary('ListDeliberations', async (request) => {
      const limit = request.limit === 0 ? DEFAULT_PAGE : request.limit;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
        throw invalidArgument('limit', `1..${MAX_PAGE} (0 for ${DEFAULT_PAGE})`, request.limit);
      if (request.offset < 0) throw invalidArgument('offset', 'a non-negative integer', request.offset);
      const sort = request.sort === DeliberationSort.DELIBERATION_SORT_UNKNOWN ? 'newest' : SORTS[request.sort];
      if (sort === undefined) throw invalidArgument('sort', 'a DeliberationSort value', request.sort);
      const statuses = request.statuses.map((s, i) => {
        const status = FROM_PROTO_STATUS.get(s);
        if (status === undefined) throw invalidArgument(`statuses[${i}]`, 'a DeliberationStatus other than UNKNOWN', s);
        return status;
      });
      const query: HistoryQuery = {
        text: request.query,
        ...(request.role === '' ? {} : { role: parseRole(request.role, 'role') }),
        ...(request.storyId === '' ? {} : { storyId: request.storyId }),
        statuses,
        sort,
        limit,
        offset: request.offset,
      };
      const page = await deliberations.history(query);
      const now = facts.now();
      return { deliberations: page.items.map((d) => toSummary(d, now)), totalCount: page.total };
    }),

    cancelDeliberation: unary('CancelDeliberation', async (request) => {
      const { cancelled, deliberation } = await deliberations.cancel(checkTaskId(request.taskId, 'task_id'));
      return { cancelled, status: toProtoStatus(cancelled ? 'CANCELLED' : deliberation.status) };
    }),

    watchEvents: watchEvents(events, log),

    listDeadLetters: unary('ListDeadLetters', async (request) => {
      const limit = request.limit === 0 ? DEFAULT_DEAD_LETTERS : request.limit;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DEAD_LETTERS) {
        throw invalidArgument('limit', `1..${MAX_DEAD_LETTERS} (0 for ${DEFAULT_DEAD_LETTERS})`, request.limit);
      }
      const letters = await events().deadLetters(limit);
      return {
        deadLetters: letters.map((l) => ({
          seq: l.seq,
          subject: l.subject,
          reason: l.reason,
          field: l.field ?? '',
          deadAtMs: l.deadAtMs,
          original: Buffer.from(l.original),
          truncated: l.truncated,
          deliveries: l.deliveries ?? 0,
        })),
      };
    }),

    republishDeadLetter: unary('RepublishDeadLetter', async (request) => {
      if (!Number.isInteger(request.seq) || request.seq < 1) throw invalidArgument('seq', 'a dead letter number (1 or more)', request.seq);
      if (request.corrected.length === 0) throw invalidArgument('corrected', 'the corrected event (JSON)');
      return events().republish(request.seq, request.corrected, request.remove);
    }),

    getSystemInfo: unary('GetSystemInfo', async () => toSystemInfo(await sources.system(), status, events, log)),

    listModels: unary('ListModels', async () => {
      const { choices, modelsDir } = await sources.models.list();
      const current = sources.models.current();
      return {
        current: toModelInfo(current.info, current.contextTokens),
        currentSpec: current.spec,
        modelsDir,
        choices: choices.map((c) => ({ ...c, fileBytes: c.fileBytes ?? 0 })),
      };
    }),

    estimateModel: unary('EstimateModel', async (request) => {
      if (request.spec.trim() === '') throw invalidArgument('spec', 'tiny, a GGUF file path or a downloaded model URI');
      const e = await sources.models.estimate(request.spec.trim());
      const total = e.modelRamBytes + e.contextRamBytes;
      return {
        fileBytes: e.fileBytes,
        modelRamBytes: e.modelRamBytes,
        contextRamBytes: e.contextRamBytes,
        totalRamBytes: total,
        contextTokens: e.contextTokens,
        systemFreeBytes: e.systemFreeBytes,
        fits: total <= e.systemFreeBytes,
        architecture: e.architecture,
        parameters: e.parameters,
      };
    }),

    downloadModel: downloadModel(sources.models, log),

    selectModel: unary('SelectModel', async (request) => ({
      model: toModelInfo(await sources.models.select(toSelection(request.choice))),
    })),
  };
}

function toModelInfo(info: ModelInfoPort, contextTokens?: number): ModelInfo {
  return {
    name: info.name,
    backend: info.backend,
    gpu: info.gpu === false ? '' : info.gpu,
    threads: info.threads ?? 0,
    contextTokens: contextTokens ?? 0,
    maxSequences: info.maxSequences ?? 0,
    fileBytes: info.fileBytes ?? 0,
  };
}

function toSelection(choice: SelectModelRequest['choice']): ModelSelection {
  if (choice?.$case === 'local') {
    if (choice.local.trim() === '') throw invalidArgument('local', 'tiny, a GGUF file path or a downloaded model URI');
    return { kind: 'local', spec: choice.local.trim() };
  }
  if (choice?.$case === 'remote') {
    const { url, model, apiKey } = choice.remote;
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw invalidArgument('remote.url', 'the http(s) URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1', url);
    }
    return { kind: 'remote', url, ...(model === '' ? {} : { model }), ...(apiKey === '' ? {} : { apiKey }) };
  }
  throw invalidArgument('choice', 'local (a model spec) or remote (an OpenAI-compatible server)');
}

function downloadModel(models: ModelCatalog, log: Log): handleServerStreamingCall<DownloadModelRequest, DownloadModelResponse> {
  const method = 'DownloadModel';
  return (call) => {
    const { signal, dispose } = callSignal(call);
    const run = async (): Promise<void> => {
      checkDecoded(call.request, method);
      const uri = call.request.uri.trim();
      if (!uri.startsWith('hf:') && !/^https?:\/\//i.test(uri))
        throw invalidArgument('uri', 'an hf: or https:// URI of a GGUF file', call.request.uri);
      // At most a few updates a second: a fast link would otherwise send thousands.
      let sentAt = 0;
      const file = await models.download(uri, {
        signal,
        onProgress: (p) => {
          const now = Date.now();
          if (now - sentAt < PROGRESS_INTERVAL_MS) return;
          sentAt = now;
          call.write({ downloadedBytes: p.downloadedBytes, totalBytes: p.totalBytes, path: '', done: false });
        },
      });
      call.write({ downloadedBytes: file.fileBytes, totalBytes: file.fileBytes, path: file.path, done: true });
    };
    run().then(
      () => {
        dispose();
        call.end();
      },
      (error: unknown) => {
        dispose();
        if (!signal.aborted) call.emit('error', toGrpcError(error, method, log));
      },
    );
  };
}

function toSummary(d: Deliberation, now: number): DeliberationSummary {
  const winner = d.results.find((r) => r.proposal.authorId === d.winnerId);
  return {
    taskId: d.taskId,
    role: d.role,
    status: toProtoStatus(d.status),
    description: d.task.description,
    councilId: d.councilId,
    winnerId: d.winnerId ?? '',
    winnerScore: winner?.score.total ?? 0,
    agents: d.agents.length,
    rounds: d.rounds,
    createdAtMs: d.createdAtMs,
    durationMs: elapsedMs(d, now),
    orchestrated: d.orchestrated === true,
    attempt: d.attempt ?? 1,
    errorMessage: d.error ?? '',
    storyId: d.task.storyId ?? '',
    planId: d.task.planId ?? '',
  };
}

async function toSystemInfo(info: SystemInfo, fleet: StatusService, events: () => EventMonitor, log: Log): Promise<GetSystemInfoResponse> {
  const status = await fleet.status();
  const queues = await events()
    .queues()
    .catch((error: unknown) => {
      // The page still shows the rest; the workers table says it could not be read.
      log('warn', 'GetSystemInfo: the worker queues could not be read', { error: String(error) });
      return [];
    });
  return {
    version: info.version,
    uptimeSeconds: status.uptimeSeconds,
    pid: info.pid,
    dataDir: info.dataDir,
    health: status.status,
    healthReason: info.unhealthyReason ?? '',
    runningDeliberations: status.running,
    councils: status.councils,
    model: toModelInfo(info.model, info.model.contextTokens),
    nats: info.nats,
    workers: queues.map((q) => ({ role: q.role, workers: q.workers, pending: q.pending, inFlight: q.inFlight })),
    process: info.process,
  };
}

function watchEvents(events: () => EventMonitor, log: Log): handleServerStreamingCall<WatchEventsRequest, WatchEventsResponse> {
  const method = 'WatchEvents';
  return (call) => {
    const { signal, dispose } = callSignal(call);
    const fail = (error: unknown): void => {
      dispose();
      if (!signal.aborted) call.emit('error', toGrpcError(error, method, log));
    };
    try {
      checkDecoded(call.request, method);
      const subjects = call.request.subjects.map((s, i) => checkSubjectPattern(s, `subjects[${i}]`));
      const sinceMs = call.request.sinceMs;
      if (sinceMs < 0) throw invalidArgument('since_ms', 'a time in epoch milliseconds, or 0 for events from now on', sinceMs);
      events()
        .follow({ subjects, ...(sinceMs === 0 ? {} : { sinceMs }), signal }, (e) =>
          call.write({
            stream: e.stream,
            subject: e.subject,
            seq: e.seq,
            storedAtMs: e.storedAtMs,
            eventType: e.type,
            form: e.form,
            fieldsJson: JSON.stringify(e.fields),
            taskId: e.taskId ?? '',
            storyId: e.storyId ?? '',
          }),
        )
        .then(() => {
          dispose();
          call.end();
        }, fail);
    } catch (error) {
      fail(error);
    }
  };
}

// NATS subject tokens: no spaces, no empty token; `*` a whole token; `>` only last.
function checkSubjectPattern(pattern: string, field: string): string {
  const tokens = pattern.trim().split('.');
  const ok = tokens.every(
    (t, i) => t !== '' && !/\s/.test(t) && (t === '>' ? i === tokens.length - 1 : !t.includes('>')) && (t === '*' || !t.includes('*')),
  );
  if (!ok) throw invalidArgument(field, 'a NATS subject pattern such as planning.> or orchestration.deliberation.*', pattern);
  return pattern.trim();
}
