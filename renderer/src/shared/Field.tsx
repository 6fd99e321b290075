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

interface ChoiceFieldProps<T extends string | number> {
  readonly label: string;
  readonly value: T;
  readonly choices: readonly T[];
  readonly onChange: (value: T) => void;
  readonly hint?: ReactNode;
  /** The text of a choice; the choice itself by default. */
  readonly text?: (choice: T) => ReactNode;
}

/** A labelled drop-down of a fixed list of choices, answering with the chosen one (not its text). */
export function ChoiceField<T extends string | number>({ label, value, choices, onChange, hint, text }: ChoiceFieldProps<T>) {
  return (
    <Field label={label} error={undefined} hint={hint}>
      {({ id, describedBy }) => (
        <select
          id={id}
          aria-describedby={describedBy}
          value={value}
          onChange={(e) => onChange(choices.find((c) => String(c) === e.target.value) ?? value)}
        >
          {choices.map((c) => (
            <option key={c} value={c}>
              {text === undefined ? c : text(c)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
