import { useCallback } from 'react';
import type { GetSystemInfoResponse } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import type { GetMetricsResponse } from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { formatBytes, formatDuration } from '../shared/format.js';
import { usePoll } from '../shared/use-poll.js';

const INFO_MS = 3000;
const METRICS_MS = 10_000;

export function SystemView() {
  const api = useApi();
  const loadInfo = useCallback((signal: AbortSignal): Promise<GetSystemInfoResponse> => api.desktop.getSystemInfo({}, { signal }), [api]);
  const loadMetrics = useCallback(
    (signal: AbortSignal): Promise<GetMetricsResponse> => api.orchestrator.getMetrics({ metricType: 'performance' }, { signal }),
    [api],
  );
  const { data: info, error } = usePoll(loadInfo, INFO_MS);
  const metrics = usePoll(loadMetrics, METRICS_MS);
  const perf = metrics.data?.performance;
  const proc = info?.process;
  const nats = info?.nats;

  return (
    <div className="system">
      <h1>System</h1>
      <ErrorNote message={error} />
      {info === undefined ? null : (
        <>
          <p className={info.health === 'SERVING' ? 'health ok' : 'health bad'} role="status">
            Daemon{' '}
            {info.health === 'SERVING'
              ? 'healthy (SERVING)'
              : `${info.health || 'unknown'}${info.healthReason === '' ? '' : `: ${info.healthReason}`}`}
          </p>
          <dl className="facts">
            <dt>Version</dt>
            <dd>{info.version}</dd>
            <dt>Uptime</dt>
            <dd>{formatDuration(Number(info.uptimeSeconds) * 1000)}</dd>
            <dt>Process</dt>
            <dd>pid {info.pid}</dd>
            <dt>Data folder</dt>
            <dd>
              <code>{info.dataDir}</code>
            </dd>
            <dt>Running deliberations</dt>
            <dd>{info.runningDeliberations}</dd>
            <dt>Councils</dt>
            <dd>{info.councils}</dd>
            <dt>NATS</dt>
            <dd>
              {nats === undefined
                ? '—'
                : `${nats.mode}${nats.url === '' ? '' : ` at ${nats.url}`} · ${nats.connected ? 'connected' : 'not connected'}${nats.serverVersion === '' ? '' : ` · server ${nats.serverVersion}`}`}
            </dd>
            {proc === undefined ? null : (
              <>
                <dt>CPU</dt>
                <dd>
                  {proc.cpuPercent.toFixed(0)}% of one core ({proc.cores} cores)
                </dd>
                <dt>Memory</dt>
                <dd>
                  {formatBytes(proc.rssBytes)} resident, {formatBytes(proc.heapUsedBytes)} heap · system {formatBytes(proc.systemFreeBytes)}{' '}
                  free of {formatBytes(proc.systemTotalBytes)}
                </dd>
              </>
            )}
          </dl>
          <table>
            <caption>Workers per role</caption>
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Workers</th>
                <th scope="col">Queued</th>
                <th scope="col">In flight</th>
              </tr>
            </thead>
            <tbody>
              {info.workers.map((w) => (
                <tr key={w.role}>
                  <th scope="row">{w.role}</th>
                  <td>{w.workers}</td>
                  <td>{String(w.pending)}</td>
                  <td>{String(w.inFlight)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {info.workers.length === 0 ? <p className="meta">No worker queues reported.</p> : null}
        </>
      )}
      <section aria-labelledby="latency-heading">
        <h2 id="latency-heading">Deliberation latency</h2>
        <ErrorNote message={metrics.error} />
        {perf === undefined ? null : Number(perf.deliberationsTotal) === 0 ? (
          <p className="empty">No deliberation has finished yet — start one from Councils.</p>
        ) : (
          <dl className="facts">
            <dt>p50</dt>
            <dd>{formatDuration(perf.p50LatencyMs)}</dd>
            <dt>p95</dt>
            <dd>{formatDuration(perf.p95LatencyMs)}</dd>
            <dt>p99</dt>
            <dd>{formatDuration(perf.p99LatencyMs)}</dd>
            <dt>Deliberations</dt>
            <dd>
              {String(perf.deliberationsTotal)} total · {String(perf.deliberationsCompleted)} completed · {String(perf.deliberationsFailed)}{' '}
              failed · {String(perf.deliberationsRunning)} running
            </dd>
          </dl>
        )}
      </section>
    </div>
  );
}
