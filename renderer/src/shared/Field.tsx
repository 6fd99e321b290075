import { type ReactNode, useId } from 'react';
import { ErrorNote } from './ErrorNote.js';

export interface FieldIds {
  readonly id: string;
  readonly describedBy: string | undefined;
  readonly invalid: boolean;
}

interface FieldProps {
  readonly label: string;
  readonly error: string | undefined;
  readonly hint?: ReactNode;
  readonly children: (ids: FieldIds) => ReactNode;
}

/** A labelled control whose error sits next to it and is read out with it. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error === undefined ? '' : errorId, hint === undefined ? '' : hintId].filter((s) => s !== '').join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy: describedBy === '' ? undefined : describedBy, invalid: error !== undefined })}
      {hint === undefined ? null : (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      <ErrorNote message={error ?? ''} id={errorId} />
    </div>
  );
}
