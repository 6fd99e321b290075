import { type FormEvent, useEffect, useReducer, useState } from 'react';
import { errorText } from '../api.js';
import { deliberationHref } from '../app/route.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { formatTime } from '../shared/format.js';
import { DeadLetters } from './DeadLetters.js';
import { feedReducer, initialFeed, parseSubjects, prettyFields } from './feed.js';

export function EventsView() {
  const api = useApi();
  const [feed, dispatch] = useReducer(feedReducer, initialFeed);
  const [draft, setDraft] = useState('');
  // The patterns being watched, as applied; the list is cleared when they change.
  const [subjects, setSubjects] = useState('');
  const [error, setError] = useState('');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    const watch = async (): Promise<void> => {
      for await (const event of api.desktop.watchEvents({ subjects: parseSubjects(subjects) }, { signal: abort.signal })) {
        dispatch({ type: 'event', event });
      }
    };
    watch().catch((e: unknown) => {
      if (!abort.signal.aborted) setError(errorText(e));
    });
    return () => abort.abort();
  }, [api, subjects, attempt]);

  const apply = (event: FormEvent): void => {
    event.preventDefault();
    dispatch({ type: 'clear' });
    setError('');
    setSubjects(draft);
  };
  const reconnect = (): void => {
    setError('');
    setAttempt((a) => a + 1);
  };

  return (
    <div className="events">
      <h1>Events</h1>
      <form className="row" onSubmit={apply}>
        <div className="field">
          <label htmlFor="event-subjects">Subjects</label>
          <input
            id="event-subjects"
            value={draft}
            placeholder="planning.> orchestration.deliberation.*"
            aria-describedby="event-subjects-hint"
            onChange={(e) => setDraft(e.target.value)}
          />
          <small id="event-subjects-hint" className="hint">
            NATS patterns separated by spaces or commas; empty: every subject
          </small>
        </div>
        <div className="actions">
          <button type="submit">Watch</button>
          <button type="button" aria-pressed={feed.paused} onClick={() => dispatch({ type: feed.paused ? 'resume' : 'pause' })}>
            {feed.paused ? 'Resume' : 'Pause'}
          </button>
        </div>
      </form>
      <p role="status" className="meta">
        {feed.paused
          ? `Paused: ${feed.held.length} new event${feed.held.length === 1 ? '' : 's'} held`
          : `Watching ${subjects.trim() === '' ? 'every subject' : subjects}`}
      </p>
      {error === '' ? null : (
        <div className="actions">
          <ErrorNote message={error} />
          <button type="button" onClick={reconnect}>
            Reconnect
          </button>
        </div>
      )}
      {feed.shown.length === 0 ? (
        <p className="empty">No events yet — they appear here as the fleet publishes them (start a deliberation from Councils).</p>
      ) : (
        <ol className="event-list" aria-label="Event feed">
          {feed.shown.map((e) => (
            <li key={`${e.stream}-${String(e.seq)}`}>
              <p>
                <strong>{e.eventType}</strong> <code>{e.subject}</code> · {formatTime(e.storedAtMs)} · {e.stream} #{String(e.seq)} ·{' '}
                {e.form}
                {e.taskId === '' ? null : (
                  <>
                    {' · '}
                    <a href={deliberationHref(e.taskId)}>deliberation {e.taskId}</a>
                  </>
                )}
              </p>
              <pre>{prettyFields(e.fieldsJson)}</pre>
            </li>
          ))}
        </ol>
      )}
      <DeadLetters />
    </div>
  );
}
