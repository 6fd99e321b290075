import { type FormEvent, useCallback, useState } from 'react';
import type { DeadLetter, ListDeadLettersResponse } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { errorText } from '../api.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { formatTime } from '../shared/format.js';
import { usePoll } from '../shared/use-poll.js';

const REFRESH_MS = 10_000;
const decoder = new TextDecoder();

function DeadLetterItem({ letter, onRepublished }: { readonly letter: DeadLetter; readonly onRepublished: () => void }) {
  const api = useApi();
  const original = decoder.decode(letter.original);
  const [corrected, setCorrected] = useState(original);
  const [remove, setRemove] = useState(true);
  const [outcome, setOutcome] = useState('');
  const [error, setError] = useState('');
  const seq = String(letter.seq);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setOutcome('');
    setError('');
    try {
      const answer = await api.desktop.republishDeadLetter({ seq: letter.seq, corrected: new TextEncoder().encode(corrected), remove });
      setOutcome(`Republished to ${answer.subject} as #${answer.seq}${answer.duplicate ? ' (a duplicate of one already stored)' : ''}.`);
      onRepublished();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <li className="dead-letter">
      <p>
        <strong>#{seq}</strong> <code>{letter.subject}</code> · {formatTime(letter.deadAtMs)} · {letter.deliveries} deliveries
      </p>
      <p className="error">
        {letter.reason}
        {letter.field === '' ? '' : ` (field ${letter.field})`}
      </p>
      <details>
        <summary>Original bytes{letter.truncated ? ' (truncated)' : ''}</summary>
        <pre>{original}</pre>
      </details>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor={`corrected-${seq}`}>Corrected event #{seq} (JSON)</label>
        <textarea id={`corrected-${seq}`} rows={6} value={corrected} onChange={(e) => setCorrected(e.target.value)} />
        <label className="check">
          <input type="checkbox" checked={remove} onChange={(e) => setRemove(e.target.checked)} />
          Remove the dead letter once the correction is stored
        </label>
        <button type="submit">Republish #{seq}</button>
        {outcome === '' ? null : <p role="status">{outcome}</p>}
        <ErrorNote message={error} />
      </form>
    </li>
  );
}

export function DeadLetters() {
  const api = useApi();
  const load = useCallback((signal: AbortSignal): Promise<ListDeadLettersResponse> => api.desktop.listDeadLetters({}, { signal }), [api]);
  const { data, error, refresh } = usePoll(load, REFRESH_MS);
  return (
    <section aria-labelledby="dead-heading">
      <h2 id="dead-heading">Dead letters</h2>
      <ErrorNote message={error} />
      {data === undefined ? null : data.deadLetters.length === 0 ? (
        <p className="empty">No dead letters: every event was accepted by its consumer.</p>
      ) : (
        <ul className="dead-letters">
          {data.deadLetters.map((d) => (
            <DeadLetterItem key={String(d.seq)} letter={d} onRepublished={refresh} />
          ))}
        </ul>
      )}
    </section>
  );
}
