import { useState } from 'react';
import type { EstimateModelResponse, ModelChoice } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { formatBytes } from '../shared/format.js';
import { EstimateNote } from './EstimateNote.js';
import { modelError } from './model-errors.js';
import { SelectionNote } from './SelectionNote.js';
import type { Selector } from './use-select.js';

type Estimated =
  | { readonly state: 'asking' }
  | { readonly state: 'known'; readonly estimate: EstimateModelResponse }
  | { readonly state: 'failed'; readonly error: string };

function ChoiceItem({
  choice,
  inUse,
  selector,
  onDownload,
}: {
  readonly choice: ModelChoice;
  readonly inUse: boolean;
  readonly selector: Selector;
  readonly onDownload: (uri: string) => void;
}) {
  const api = useApi();
  const [estimated, setEstimated] = useState<Estimated>();
  const name = choice.name || choice.spec;
  const estimate = async (): Promise<void> => {
    setEstimated({ state: 'asking' });
    try {
      setEstimated({ state: 'known', estimate: await api.desktop.estimateModel({ spec: choice.spec }) });
    } catch (e) {
      setEstimated({ state: 'failed', error: modelError(e).text });
    }
  };
  const size = Number(choice.fileBytes) === 0 ? '' : formatBytes(choice.fileBytes);
  return (
    <li className="choice" aria-label={name}>
      <div className="choice-head">
        <strong>{name}</strong>
        <span className="badge">{choice.kind}</span>
        {inUse ? <span className="badge ok">in use</span> : null}
        {choice.present ? null : <span className="badge">not downloaded</span>}
      </div>
      <p className="meta">
        {[choice.description, size].filter((s) => s !== '').join(' · ')}
        {choice.spec === name ? null : (
          <>
            {' '}
            · <code>{choice.spec}</code>
          </>
        )}
      </p>
      <div className="actions">
        {inUse ? null : choice.present ? (
          <button
            type="button"
            disabled={selector.busy}
            onClick={() => void selector.select(choice.spec, name, { case: 'local', value: choice.spec })}
          >
            Use {name}
          </button>
        ) : (
          <button type="button" onClick={() => onDownload(choice.spec)}>
            Download {name}
          </button>
        )}
        <button type="button" disabled={estimated?.state === 'asking'} onClick={() => void estimate()}>
          Estimate memory for {name}
        </button>
      </div>
      {estimated?.state === 'asking' ? <p className="meta">Reading the file’s header…</p> : null}
      {estimated?.state === 'known' ? <EstimateNote estimate={estimated.estimate} name={name} /> : null}
      <ErrorNote message={estimated?.state === 'failed' ? estimated.error : ''} />
      <SelectionNote selection={selector.at(choice.spec)} />
    </li>
  );
}

/** The models this daemon can switch to: built in, in the models folder, or to download. */
export function ModelChoices({
  choices,
  currentSpec,
  selector,
  onDownload,
}: {
  readonly choices: readonly ModelChoice[];
  readonly currentSpec: string;
  readonly selector: Selector;
  readonly onDownload: (uri: string) => void;
}) {
  if (choices.length === 0) return <p className="empty">No models to choose from: download one below.</p>;
  return (
    <ul className="choices" aria-label="Models to choose from">
      {choices.map((c) => (
        <ChoiceItem key={c.spec} choice={c} inUse={c.spec === currentSpec} selector={selector} onDownload={onDownload} />
      ))}
    </ul>
  );
}
