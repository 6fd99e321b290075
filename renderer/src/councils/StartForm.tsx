import { Code, ConnectError } from '@connectrpc/connect';
import { type FormEvent, useState } from 'react';
import { errorText } from '../api.js';
import { deliberationHref } from '../app/route.js';
import { navigate } from '../app/use-route.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { Field } from '../shared/Field.js';
import { ROLES, type Role } from './roles.js';
import {
  emptyStart,
  type FieldErrors,
  fieldOfServerError,
  type StartField,
  type StartFields,
  toStartRequest,
  validateStart,
} from './start-form.js';

export function StartForm() {
  const api = useApi();
  const [fields, setFields] = useState<StartFields>(emptyStart);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);

  const set =
    <K extends keyof StartFields>(key: K) =>
    (value: StartFields[K]): void =>
      setFields((f) => ({ ...f, [key]: value }));

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const found = validateStart(fields);
    setErrors(found);
    setFormError('');
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const { taskId } = await api.desktop.startDeliberation(toStartRequest(fields));
      navigate(deliberationHref(taskId));
    } catch (e) {
      const field: StartField | undefined =
        ConnectError.from(e).code === Code.InvalidArgument ? fieldOfServerError(errorText(e)) : undefined;
      if (field === undefined) setFormError(errorText(e));
      else setErrors({ [field]: errorText(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="start-form" aria-labelledby="start-heading" noValidate onSubmit={(e) => void submit(e)}>
      <h2 id="start-heading">Start a deliberation</h2>
      <Field label="Task" error={errors.task}>
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            rows={4}
            value={fields.task}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onChange={(e) => set('task')(e.target.value)}
          />
        )}
      </Field>
      <div className="row">
        <Field label="Role" error={errors.role}>
          {({ id, describedBy, invalid }) => (
            <select
              id={id}
              value={fields.role}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(e) => set('role')(e.target.value as Role)}
            >
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Agents" error={errors.agents} hint="1–8; empty: the whole council">
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="number"
              min={1}
              max={8}
              value={fields.agents}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(e) => set('agents')(e.target.value)}
            />
          )}
        </Field>
        <Field label="Rounds" error={errors.rounds} hint="0–5; empty: the council's default">
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="number"
              min={0}
              max={5}
              value={fields.rounds}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(e) => set('rounds')(e.target.value)}
            />
          )}
        </Field>
      </div>
      <Field label="Requirements (one per line)" error={errors.requirements}>
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            rows={3}
            value={fields.requirements}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onChange={(e) => set('requirements')(e.target.value)}
          />
        )}
      </Field>
      <Field label="Rubric" error={errors.rubric} hint="Criteria the judge scores, separated by commas or lines; empty: the default rubric">
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            value={fields.rubric}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onChange={(e) => set('rubric')(e.target.value)}
          />
        )}
      </Field>
      <label className="check">
        <input type="checkbox" checked={fields.orchestrate} onChange={(e) => set('orchestrate')(e.target.checked)} />
        Orchestrate: the ARCHITECT chooses the winner among the best ranked
      </label>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Start deliberation
        </button>
        <ErrorNote message={formError} />
      </div>
    </form>
  );
}
