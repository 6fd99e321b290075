import { useCallback, useSyncExternalStore } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { ListModelsResponse, ModelInfo } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import type { GetMetricsResponse } from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { formatBytes } from '../shared/format.js';
import { currentRates, subscribeRates } from '../shared/token-rates.js';
import { usePoll, usePolledFold } from '../shared/use-poll.js';
import { DownloadForm } from './DownloadForm.js';
import { downloadsOf } from './download-store.js';
import { ModelChoices } from './ModelChoices.js';
import { RemoteForm } from './RemoteForm.js';
import { useSelect } from './use-select.js';

const MODELS_MS = 10_000;
const METRICS_MS = 5000;
const FLEET_SAMPLES = 120;

interface FleetSample {
  readonly atMs: number;
  readonly tokensPerSecond: number;
}

interface FleetRate {
  readonly last: { readonly atMs: number; readonly tokens: number } | undefined;
  readonly samples: readonly FleetSample[];
}

/**
 * The fleet's generation speed: completion tokens counted by GetMetrics between two polls over the
 * time between them. It sees every deliberation, including those this window does not follow.
 */
function foldRate(rate: FleetRate, metrics: GetMetricsResponse, atMs: number): FleetRate {
  if (metrics.agents === undefined) return rate;
  const tokens = Number(metrics.agents.completionTokensTotal);
  // A first answer, or a count that went back (a restarted daemon), is only a starting point.
  if (rate.last === undefined || tokens < rate.last.tokens) return { last: { atMs, tokens }, samples: rate.samples };
  const seconds = (atMs - rate.last.atMs) / 1000;
  const sample = { atMs, tokensPerSecond: seconds > 0 ? (tokens - rate.last.tokens) / seconds : 0 };
  return { last: { atMs, tokens }, samples: [...rate.samples.slice(-(FLEET_SAMPLES - 1)), sample] };
}

const NO_RATE: FleetRate = { last: undefined, samples: [] };

const clock = (ms: number): string => new Date(ms).toLocaleTimeString();

function CurrentModel({ model, spec, modelsDir }: { readonly model: ModelInfo; readonly spec: string; readonly modelsDir: string }) {
  return (
    <dl className="facts" aria-label="Model in use">
      <dt>Model in use</dt>
      <dd>{model.name || '—'}</dd>
      {spec === '' || spec === model.name ? null : (
        <>
          <dt>Chosen as</dt>
          <dd>
            <code>{spec}</code>
          </dd>
        </>
      )}
      <dt>Backend</dt>
      <dd>{model.backend || '—'}</dd>
      <dt>Runs on</dt>
      <dd>{model.gpu === '' ? `CPU, ${model.threads} threads` : `GPU: ${model.gpu}`}</dd>
      <dt>Context size</dt>
      <dd>{model.contextTokens === 0 ? '—' : `${model.contextTokens.toLocaleString()} tokens`}</dd>
      <dt>Parallel sequences</dt>
      <dd>{model.maxSequences === 0 ? '—' : model.maxSequences}</dd>
      <dt>File size</dt>
      <dd>{Number(model.fileBytes) === 0 ? '—' : formatBytes(model.fileBytes)}</dd>
      {modelsDir === '' ? null : (
        <>
          <dt>Models folder</dt>
          <dd>
            <code>{modelsDir}</code>
          </dd>
        </>
      )}
    </dl>
  );
}

function RateCharts() {
  const api = useApi();
  const loadMetrics = useCallback(
    (signal: AbortSignal): Promise<GetMetricsResponse> => api.orchestrator.getMetrics({ metricType: 'agents' }, { signal }),
    [api],
  );
  const metrics = usePolledFold(loadMetrics, METRICS_MS, foldRate, NO_RATE);
  const fleet = metrics.data.samples;
  const live = useSyncExternalStore(subscribeRates, currentRates);
  return (
    <section aria-labelledby="rate-heading">
      <h2 id="rate-heading">Tokens per second</h2>
      <ErrorNote message={metrics.error} />
      {fleet.length === 0 && live.length === 0 ? (
        <p className="empty">No generation measured yet — start a deliberation from Councils and watch it here.</p>
      ) : null}
      <div className="charts">
        <figure>
          <figcaption>Whole fleet (completion tokens between two polls)</figcaption>
          <LineChart responsive style={{ width: '100%', height: 220 }} data={[...fleet]}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="atMs" tickFormatter={clock} />
            <YAxis />
            <Tooltip labelFormatter={(v) => clock(Number(v))} />
            <Line dataKey="tokensPerSecond" name="tok/s" stroke="#4e79a7" dot={false} isAnimationActive={false} />
          </LineChart>
        </figure>
        <figure>
          <figcaption>Agent turns followed in this window (per update)</figcaption>
          <LineChart responsive style={{ width: '100%', height: 220 }} data={[...live]}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="atMs" tickFormatter={clock} />
            <YAxis />
            <Tooltip labelFormatter={(v) => clock(Number(v))} />
            <Legend />
            <Line dataKey="tokensPerSecond" name="tok/s" stroke="#f28e2b" dot={false} isAnimationActive={false} />
          </LineChart>
        </figure>
      </div>
    </section>
  );
}

/** The model in use and its speed; other models to switch to, with their memory before loading; downloads; a remote server. */
export function ModelsView() {
  const api = useApi();
  const loadModels = useCallback((signal: AbortSignal): Promise<ListModelsResponse> => api.desktop.listModels({}, { signal }), [api]);
  const models = usePoll(loadModels, MODELS_MS);
  const selector = useSelect(models.refresh);
  const downloads = downloadsOf(api);
  const list = models.data;
  const model = list?.current;

  return (
    <div className="models">
      <h1>Models</h1>
      <ErrorNote message={models.error} />
      {model === undefined ? (
        models.error === '' ? (
          <p className="meta">Loading…</p>
        ) : null
      ) : (
        <CurrentModel model={model} spec={list?.currentSpec ?? ''} modelsDir={list?.modelsDir ?? ''} />
      )}
      <RateCharts />
      <section aria-labelledby="choose-heading">
        <h2 id="choose-heading">Choose a model</h2>
        <p className="meta">Switching loads the new model in place of the current one; it is refused while a deliberation runs.</p>
        {list === undefined ? null : (
          <ModelChoices
            choices={list.choices}
            currentSpec={list.currentSpec}
            selector={selector}
            onDownload={(uri) => downloads.start(uri, models.refresh)}
          />
        )}
      </section>
      <DownloadForm store={downloads} selector={selector} onDownloaded={models.refresh} />
      <RemoteForm selector={selector} />
    </div>
  );
}
