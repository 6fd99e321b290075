import { ErrorNote } from '../shared/ErrorNote.js';
import type { Selection } from './use-select.js';

/** What became of a model switch asked for here: loading, done, or why not. */
export function SelectionNote({ selection, id }: { readonly selection: Selection | undefined; readonly id?: string }) {
  if (selection === undefined) return null;
  switch (selection.state) {
    case 'loading':
      return <p role="status">Loading {selection.label}… (this can take a while for a large model)</p>;
    case 'done':
      return (
        <p role="status" className="ok">
          Now using {selection.label}.
        </p>
      );
    case 'failed':
      return <ErrorNote message={selection.error?.text ?? ''} {...(id === undefined ? {} : { id })} />;
  }
}
