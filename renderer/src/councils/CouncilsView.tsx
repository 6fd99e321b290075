import { type FormEvent, useCallback, useState } from 'react';
import type { CouncilInfo, ListCouncilsResponse } from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { errorText } from '../api.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { usePoll } from '../shared/use-poll.js';
import { ROLES, type Role } from './roles.js';
import { StartForm } from './StartForm.js';

// Busy/idle changes as deliberations start and end; a few seconds late is fine.
const REFRESH_MS = 4000;

function CouncilCard({ council, onDeleted }: { readonly council: CouncilInfo; readonly onDeleted: () => void }) {
  const api = useApi();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const remove = async (): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      await api.orchestrator.deleteCouncil({ councilId: council.councilId });
      onDeleted();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <li className="council">
      <div className="council-head">
        <strong>{council.councilId}</strong>
        <span className={`badge ${council.status}`}>{council.status || 'unknown'}</span>
        <button
          type="button"
          className="danger"
          aria-label={`Delete council ${council.councilId}`}
          disabled={busy}
          onClick={() => void remove()}
        >
          Delete
        </button>
      </div>
      <p className="meta">
        Model {council.model || '—'} · {council.numAgents} agents · {council.rounds} review round{council.rounds === 1 ? '' : 's'}
        {council.peerReview ? '' : ' · peer review off'}
      </p>
      <ul className="agents">
        {council.agents.map((a) => (
          <li key={a.agentId}>
            <code>{a.agentId}</code> <span className={`badge ${a.status}`}>{a.status || '—'}</span>
            {a.perspective === '' ? null : <span className="meta"> {a.perspective}</span>}
          </li>
        ))}
      </ul>
      <ErrorNote message={error} />
    </li>
  );
}

function CreateCouncil({ onCreated }: { readonly onCreated: () => void }) {
  const api = useApi();
  const [role, setRole] = useState<Role>('DEV');
  const [members, setMembers] = useState('3');
  const [passes, setPasses] = useState('1');
  const [error, setError] = useState('');
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError('');
    try {
      await api.orchestrator.createCouncil({
        role,
        numAgents: Number(members),
        config: { deliberationRounds: Number(passes), enablePeerReview: Number(passes) > 0 },
      });
      onCreated();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <form className="create-council row" aria-labelledby="create-heading" onSubmit={(e) => void submit(e)}>
      <h3 id="create-heading">New council</h3>
      <div className="field">
        <label htmlFor="council-for">Council for</label>
        <select id="council-for" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="council-members">Members</label>
        <input id="council-members" type="number" min={1} max={8} value={members} onChange={(e) => setMembers(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="council-passes">Review passes</label>
        <input id="council-passes" type="number" min={0} max={5} value={passes} onChange={(e) => setPasses(e.target.value)} />
      </div>
      <div className="actions">
        <button type="submit">Create council</button>
        <ErrorNote message={error} />
      </div>
    </form>
  );
}

export function CouncilsView() {
  const api = useApi();
  const load = useCallback(
    (signal: AbortSignal): Promise<ListCouncilsResponse> => api.orchestrator.listCouncils({ includeAgents: true }, { signal }),
    [api],
  );
  const { data, error, refresh: changed } = usePoll(load, REFRESH_MS);
  return (
    <div className="councils">
      <h1>Councils</h1>
      <StartForm />
      <ErrorNote message={error} />
      {data === undefined && error === '' ? <p className="meta">Loading councils…</p> : null}
      <div className="roles">
        {ROLES.map((role) => {
          const councils = data?.councils.filter((c) => c.role === role) ?? [];
          return (
            <section key={role} className="role">
              <h2>{role}</h2>
              {data !== undefined && councils.length === 0 ? <p className="meta">No {role} council yet — create one below.</p> : null}
              <ul className="council-list">
                {councils.map((c) => (
                  <CouncilCard key={c.councilId} council={c} onDeleted={changed} />
                ))}
              </ul>
            </section>
          );
        })}
      </div>
      <CreateCouncil onCreated={changed} />
    </div>
  );
}
