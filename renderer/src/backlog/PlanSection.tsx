import { type FormEvent, useCallback, useState } from 'react';
import type { DeliberationSummary } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { errorText } from '../api.js';
import { deliberationHref } from '../app/route.js';
import { ROLES, type Role } from '../councils/roles.js';
import { STATUS_WORDS } from '../history/filter.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { ChoiceField, Field } from '../shared/Field.js';
import { defaultPlanId } from './story-model.js';
import { useLoad } from './use-load.js';

// Deliberations run for tens of seconds: their status and winner are asked for this often.
const REFRESH_MS = 3000;

interface Approval {
  readonly planId: string;
  readonly taskIds: readonly string[];
}

function ApprovePlan({
  storyId,
  actor,
  onApproved,
}: {
  readonly storyId: string;
  readonly actor: string;
  readonly onApproved: (a: Approval) => void;
}) {
  const api = useApi();
  const [planId, setPlanId] = useState(() => defaultPlanId(storyId));
  const [roles, setRoles] = useState<readonly Role[]>([]);
  const [planError, setPlanError] = useState<string | undefined>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const toggle = (role: Role, on: boolean): void =>
    setRoles((rs) => (on ? ROLES.filter((r) => r === role || rs.includes(r)) : rs.filter((r) => r !== role)));
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError('');
    const id = planId.trim();
    if (id === '') {
      setPlanError('Plan id is required: name the plan version to approve.');
      return;
    }
    setPlanError(undefined);
    setBusy(true);
    try {
      const { taskIds } = await api.planning.approveDecision({ storyId, decisionId: id, approvedBy: actor, roles: [...roles] });
      onApproved({ planId: id, taskIds });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="backlog-form" aria-labelledby="approve-heading" noValidate onSubmit={(e) => void submit(e)}>
      <h4 id="approve-heading">Approve the plan</h4>
      <Field label="Plan id" error={planError} hint="Approving it starts one deliberation per role on the story">
        {({ id, describedBy, invalid }) => (
          <input id={id} value={planId} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setPlanId(e.target.value)} />
        )}
      </Field>
      <fieldset className="roles-pick">
        <legend>Roles (none checked: the roles of the story&apos;s tasks, else DEV and QA)</legend>
        {ROLES.map((r) => (
          <label key={r} className="check">
            <input type="checkbox" checked={roles.includes(r)} onChange={(e) => toggle(r, e.target.checked)} />
            {r}
          </label>
        ))}
      </fieldset>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Approve plan
        </button>
        <ErrorNote message={error} />
      </div>
    </form>
  );
}

interface Verdict {
  readonly decisionId: string;
  readonly approved: boolean;
  readonly redeliberationTaskId: string;
}

/** The product owner's verdict on a deliberation's decision: approve it, or reject it with a reason (it is deliberated again). */
function DecisionForm({
  storyId,
  actor,
  choices,
  onRejected,
}: {
  readonly storyId: string;
  readonly actor: string;
  readonly choices: readonly string[];
  readonly onRejected: (taskId: string) => void;
}) {
  const api = useApi();
  const [picked, setPicked] = useState('');
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [verdict, setVerdict] = useState<Verdict | undefined>(undefined);
  const decisionId = choices.includes(picked) ? picked : (choices[0] ?? '');

  const reject = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError('');
    if (reason.trim() === '') {
      setReasonError('Reason is required: say why the decision is refused, so the council can address it.');
      return;
    }
    setReasonError(undefined);
    setBusy(true);
    try {
      const { redeliberationTaskId } = await api.planning.rejectDecision({ storyId, decisionId, rejectedBy: actor, reason: reason.trim() });
      setVerdict({ decisionId, approved: false, redeliberationTaskId });
      setReason('');
      onRejected(redeliberationTaskId);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const approve = async (): Promise<void> => {
    setError('');
    setReasonError(undefined);
    setBusy(true);
    try {
      await api.planning.approveDecision({
        storyId,
        decisionId,
        approvedBy: actor,
        ...(reason.trim() === '' ? {} : { comment: reason.trim() }),
      });
      setVerdict({ decisionId, approved: true, redeliberationTaskId: '' });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="backlog-form" aria-labelledby="decision-heading" noValidate onSubmit={(e) => void reject(e)}>
      <h4 id="decision-heading">Approve or reject a decision</h4>
      <ChoiceField label="Deliberation" value={decisionId} choices={choices} onChange={setPicked} />
      <Field label="Reason" error={reasonError} hint="Required to reject: the council deliberates again with it">
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            rows={2}
            value={reason}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onChange={(e) => setReason(e.target.value)}
          />
        )}
      </Field>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Reject decision
        </button>
        <button type="button" disabled={busy} onClick={() => void approve()}>
          Approve decision
        </button>
        <ErrorNote message={error} />
      </div>
      {verdict === undefined ? null : verdict.approved ? (
        <p className="ok" role="status">
          Approved the decision of {verdict.decisionId}.
        </p>
      ) : (
        <p role="status">
          Rejected the decision of {verdict.decisionId}. Deliberating again:{' '}
          <a href={deliberationHref(verdict.redeliberationTaskId)}>{verdict.redeliberationTaskId}</a>
        </p>
      )}
    </form>
  );
}

function DeliberationRows({ rows }: { readonly rows: readonly DeliberationSummary[] }) {
  return (
    <table className="story-deliberations">
      <caption className="meta">The deliberations this story&apos;s plans started, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Deliberation</th>
          <th scope="col">Role</th>
          <th scope="col">Status</th>
          <th scope="col">Winner</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.taskId}>
            <td>
              <a href={deliberationHref(d.taskId)}>{d.taskId}</a>
            </td>
            <td>{d.role}</td>
            <td>{STATUS_WORDS[d.status]}</td>
            <td>{d.winnerId || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The story's plan: the product owner approves it (one deliberation per role starts), sees those
 * deliberations as they run and end, and approves or rejects their decisions.
 */
export function PlanSection({ storyId, actor }: { readonly storyId: string; readonly actor: string }) {
  const api = useApi();
  const [approvals, setApprovals] = useState<readonly Approval[]>([]);
  const [redeliberations, setRedeliberations] = useState<readonly string[]>([]);
  // The default plan id is asked for even before this window approves it (a reload, another window).
  const planIds = [...new Set([defaultPlanId(storyId), ...approvals.map((a) => a.planId)])];
  const key = planIds.join('\n');
  const load = useCallback(
    async (signal: AbortSignal): Promise<DeliberationSummary[]> => {
      const answers = await Promise.all(key.split('\n').map((query) => api.desktop.listDeliberations({ query, limit: 200 }, { signal })));
      const seen = new Map<string, DeliberationSummary>();
      for (const d of answers.flatMap((a) => a.deliberations)) seen.set(d.taskId, d);
      return [...seen.values()].sort((a, b) => Number(b.createdAtMs - a.createdAtMs));
    },
    [api, key],
  );
  const { data, error, reload } = useLoad(load, { intervalMs: REFRESH_MS });
  const rows = data ?? [];
  const choices = [...new Set([...rows.map((d) => d.taskId), ...redeliberations, ...approvals.flatMap((a) => a.taskIds)])];
  const latest = approvals.at(-1);

  return (
    <section className="story-part" aria-labelledby="plan-heading">
      <h3 id="plan-heading">Plan and deliberations</h3>
      <ApprovePlan
        storyId={storyId}
        actor={actor}
        onApproved={(a) => {
          setApprovals((as) => [...as.filter((x) => x.planId !== a.planId), a]);
          reload();
        }}
      />
      {latest === undefined ? null : (
        <div className="started" role="status">
          {latest.taskIds.length === 0 ? (
            <p>Approved the decision {latest.planId}.</p>
          ) : (
            <>
              <p>
                Plan {latest.planId} approved: {latest.taskIds.length} deliberation{latest.taskIds.length === 1 ? '' : 's'} started.
              </p>
              <ul>
                {latest.taskIds.map((t) => (
                  <li key={t}>
                    <a href={deliberationHref(t)}>{t}</a>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      <ErrorNote message={error} />
      {data === undefined ? null : rows.length === 0 ? (
        <p className="empty">No deliberations for this story yet — approve its plan above to start them.</p>
      ) : (
        <DeliberationRows rows={rows} />
      )}
      {choices.length === 0 ? null : (
        <DecisionForm
          storyId={storyId}
          actor={actor}
          choices={choices}
          onRejected={(t) => {
            setRedeliberations((rs) => [...rs, t]);
            reload();
          }}
        />
      )}
    </section>
  );
}
