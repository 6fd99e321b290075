import { type FormEvent, useState } from 'react';
import { SelectionNote } from './SelectionNote.js';
import type { Selector } from './use-select.js';

const FIELDS = [
  {
    field: 'remote.url',
    id: 'remote-url',
    label: 'Server URL',
    type: 'text',
    hint: 'http(s)://host:port/v1 of an OpenAI-compatible server (vLLM, fleet serve-model)',
  },
  { field: 'remote.model', id: 'remote-model', label: 'Model name', type: 'text', hint: 'Empty: the one model the server serves' },
  {
    field: 'remote.api_key',
    id: 'remote-key',
    label: 'API key',
    type: 'password',
    hint: 'Sent as a bearer token; kept in the data folder’s config',
  },
] as const;

type Values = Record<(typeof FIELDS)[number]['field'], string>;

/** Uses a model served elsewhere (an OpenAI-compatible server) in place of a local one. */
export function RemoteForm({ selector }: { readonly selector: Selector }) {
  const [values, setValues] = useState<Values>({ 'remote.url': '', 'remote.model': '', 'remote.api_key': '' });
  const answer = selector.at('remote');
  const faulty = answer?.state === 'failed' ? answer.error?.field : undefined;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const url = values['remote.url'].trim();
    void selector.select('remote', url, {
      case: 'remote',
      value: { url, model: values['remote.model'].trim(), apiKey: values['remote.api_key'] },
    });
  };
  return (
    <form onSubmit={submit} aria-labelledby="remote-heading">
      <h2 id="remote-heading">Use a remote server</h2>
      {FIELDS.map((f) => {
        const invalid = faulty === f.field || (f.field === 'remote.api_key' && faulty === 'remote.apiKey');
        return (
          <div className="field" key={f.field}>
            <label htmlFor={f.id}>{f.label}</label>
            <input
              id={f.id}
              type={f.type}
              value={values[f.field]}
              autoComplete={f.type === 'password' ? 'off' : undefined}
              spellCheck={false}
              onChange={(e) => setValues((v) => ({ ...v, [f.field]: e.target.value }))}
              aria-invalid={invalid ? true : undefined}
              aria-describedby={invalid ? 'remote-error' : `${f.id}-hint`}
            />
            <span className="hint" id={`${f.id}-hint`}>
              {f.hint}
            </span>
          </div>
        );
      })}
      <div className="actions">
        <button type="submit" disabled={selector.busy || values['remote.url'].trim() === ''}>
          Use remote server
        </button>
      </div>
      <SelectionNote selection={answer} id="remote-error" />
    </form>
  );
}
