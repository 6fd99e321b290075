import { useState } from 'react';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { SelectModelRequestSchema } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { useApi } from '../shared/api-context.js';
import { type FormError, modelError } from './model-errors.js';

export type Choice = NonNullable<MessageInitShape<typeof SelectModelRequestSchema>['choice']>;

/** Where a selection was asked from (a choice's spec, `download`, `remote`), so its answer shows there. */
export interface Selection {
  readonly from: string;
  readonly state: 'loading' | 'failed' | 'done';
  readonly label: string;
  readonly error: FormError | undefined;
}

export interface Selector {
  readonly selection: Selection | undefined;
  readonly busy: boolean;
  readonly select: (from: string, label: string, choice: Choice) => Promise<void>;
  /** The answer asked from `from`, if the last selection was asked there. */
  readonly at: (from: string) => Selection | undefined;
}

/** Switches the daemon's model, one at a time; `onSelected` refreshes what shows the current model. */
export function useSelect(onSelected: () => void): Selector {
  const api = useApi();
  const [selection, setSelection] = useState<Selection>();
  const busy = selection?.state === 'loading';
  const select = async (from: string, label: string, choice: Choice): Promise<void> => {
    setSelection({ from, state: 'loading', label, error: undefined });
    try {
      const answer = await api.desktop.selectModel({ choice });
      setSelection({ from, state: 'done', label: answer.model?.name || label, error: undefined });
      onSelected();
    } catch (e) {
      const remoteUrl = choice.case === 'remote' ? choice.value.url : undefined;
      setSelection({ from, state: 'failed', label, error: modelError(e, remoteUrl) });
    }
  };
  return { selection, busy, select, at: (from) => (selection?.from === from ? selection : undefined) };
}
