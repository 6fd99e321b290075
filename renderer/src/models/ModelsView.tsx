import { useCallback, useSyncExternalStore } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { GetSystemInfoResponse } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import type { GetMetricsResponse } from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { formatBytes } from '../shared/format.js';
import { currentRates, subscribeRates } from '../shared/token-rates.js';
import { usePoll, usePolledFold } from '../shared/use-poll.js';

const INFO_MS = 10_000;
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

export function ModelsView() {
  const api = useApi();
  const loadInfo = useCallback((signal: AbortSignal): Promise<GetSystemInfoResponse> => api.desktop.getSystemInfo({}, { signal }), [api]);
  const loadMetrics = useCallback(
    (signal: AbortSignal): Promise<GetMetricsResponse> => api.orchestrator.getMetrics({ metricType: 'agents' }, { signal }),
    [api],
  );
  const info = usePoll(loadInfo, INFO_MS);
  const metrics = usePolledFold(loadMetrics, METRICS_MS, foldRate, NO_RATE);
  const fleet = metrics.data.samples;
  const live = useSyncExternalStore(subscribeRates, currentRates);
  const model = info.data?.model;

  return (
    <div className="models">
      <h1>Models</h1>
      <ErrorNote message={info.error} />
      {model === undefined ? (
        info.error === '' ? (
          <p className="meta">Loading…</p>
        ) : null
      ) : (
        <dl className="facts">
          <dt>Model in use</dt>
          <dd>{model.name || '—'}</dd>
          <dt>Backend</dt>
          <dd>{model.backend || '—'}</dd>
          <dt>Runs on</dt>
          <dd>{model.gpu === '' ? `CPU, ${model.threads} threads` : `GPU: ${model.gpu}`}</dd>
          <dt>Context size</dt>
          <dd>{model.contextTokens.toLocaleString()} tokens</dd>
          <dt>Parallel sequences</dt>
          <dd>{model.maxSequences}</dd>
          <dt>File size</dt>
          <dd>{Number(model.fileBytes) === 0 ? '—' : formatBytes(model.fileBytes)}</dd>
        </dl>
      )}
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
      <section aria-labelledby="choose-heading">
        <h2 id="choose-heading">Choosing and downloading models</h2>
        <p className="note">
          Not available yet: the daemon has no call to list, download or switch models. The model is the one <code>fleet serve</code> was
          started with (its configuration or flags); restart it with another to change.
        </p>
      </section>
    </div>
  );
}
