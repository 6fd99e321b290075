import { useEffect, useReducer, useState } from 'react';
import type { ListDeliberationsResponse } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { errorText } from '../api.js';
import { deliberationHref } from '../app/route.js';
import { ROLES } from '../councils/roles.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { formatDuration, formatScore, formatTime } from '../shared/format.js';
import {
  filterReducer,
  initialFilter,
  isFiltered,
  SORT_CHOICES,
  STATUS_CHOICES,
  STATUS_WORDS,
  type SortChoice,
  type StatusChoice,
  toListRequest,
} from './filter.js';
import { HistoryCharts } from './HistoryCharts.js';

// Typing a search asks once the typing pauses, not at every key.
const SEARCH_PAUSE_MS = 250;

export function HistoryView() {
  const api = useApi();
  const [filter, change] = useReducer(filterReducer, initialFilter);
  const [list, setList] = useState<ListDeliberationsResponse | undefined>(undefined);
  const [error, setError] = useState('');

  useEffect(() => {
    const abort = new AbortController();
    const timer = setTimeout(() => {
      api.desktop.listDeliberations(toListRequest(filter), { signal: abort.signal }).then(
        (answer) => {
          setList(answer);
          setError('');
        },
        (e: unknown) => {
          if (!abort.signal.aborted) setError(errorText(e));
        },
      );
    }, SEARCH_PAUSE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [api, filter]);

  const rows = list?.deliberations ?? [];
  return (
    <div className="history">
      <h1>Deliberations</h1>
      <form className="filters row" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="history-query">Search</label>
          <input id="history-query" type="search" value={filter.query} onChange={(e) => change({ type: 'query', value: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="history-role">Role</label>
          <select id="history-role" value={filter.role} onChange={(e) => change({ type: 'role', value: e.target.value })}>
            <option value="">every role</option>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="history-status">Status</label>
          <select
            id="history-status"
            value={filter.status}
            onChange={(e) => change({ type: 'status', value: e.target.value as StatusChoice })}
          >
            {Object.keys(STATUS_CHOICES).map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="history-sort">Sort</label>
          <select id="history-sort" value={filter.sort} onChange={(e) => change({ type: 'sort', value: e.target.value as SortChoice })}>
            {Object.keys(SORT_CHOICES).map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
      </form>
      <ErrorNote message={error} />
      {list === undefined ? (
        error === '' ? (
          <p className="meta">Loading…</p>
        ) : null
      ) : rows.length === 0 ? (
        <p className="empty">
          {isFiltered(filter)
            ? 'Nothing matches these filters — clear the search or pick another role or status.'
            : 'No deliberations yet — start one from Councils.'}
        </p>
      ) : (
        <>
          <p className="meta">
            Showing {rows.length} of {list.totalCount}
          </p>
          <table className="history-table">
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Winner</th>
                <th scope="col">Score</th>
                <th scope="col">Took</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.taskId}>
                  <td>
                    <a href={deliberationHref(d.taskId)}>{d.description === '' ? d.taskId : d.description}</a>
                    <div className="meta">
                      <code>{d.taskId}</code>
                      {d.attempt > 1 ? ` · attempt ${d.attempt}` : ''}
                      {d.orchestrated ? ' · orchestrated' : ''}
                    </div>
                    {d.errorMessage === '' ? null : <div className="error">{d.errorMessage}</div>}
                  </td>
                  <td>{d.role}</td>
                  <td>{STATUS_WORDS[d.status]}</td>
                  <td>{d.winnerId || '—'}</td>
                  <td>{d.winnerId === '' ? '—' : formatScore(d.winnerScore)}</td>
                  <td>{formatDuration(d.durationMs)}</td>
                  <td>{formatTime(d.createdAtMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <HistoryCharts rows={rows} />
        </>
      )}
    </div>
  );
}
