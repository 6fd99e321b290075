import { type FormEvent, useState, useSyncExternalStore } from 'react';
import { ErrorNote } from '../shared/ErrorNote.js';
import { formatBytes } from '../shared/format.js';
import type { Download, DownloadStore } from './download-store.js';
import { SelectionNote } from './SelectionNote.js';
import type { Selector } from './use-select.js';

const fileName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

function amount(d: { readonly downloaded: number; readonly total: number }): string {
  if (d.total <= 0) return `${formatBytes(d.downloaded)} so far (size not known yet)`;
  return `${Math.floor((d.downloaded / d.total) * 100)}% · ${formatBytes(d.downloaded)} of ${formatBytes(d.total)}`;
}

function Progress({ download }: { readonly download: Extract<Download, { downloaded: number }> }) {
  return (
    <div className="download-progress">
      <progress
        aria-label="Download progress"
        max={download.total > 0 ? download.total : undefined}
        value={download.total > 0 ? download.downloaded : undefined}
      />
      <span>{amount(download)}</span>
    </div>
  );
}

/** Downloads a GGUF file into the models folder with progress; a cancelled download resumes where it stopped. */
export function DownloadForm({
  store,
  selector,
  onDownloaded,
}: {
  readonly store: DownloadStore;
  readonly selector: Selector;
  readonly onDownloaded: () => void;
}) {
  const download = useSyncExternalStore(store.subscribe, store.get);
  const [uri, setUri] = useState('');
  const start = (event: FormEvent): void => {
    event.preventDefault();
    store.start(uri.trim(), onDownloaded);
  };
  const uriInvalid = download.kind === 'failed' && download.field === 'uri';
  return (
    <form onSubmit={start} aria-labelledby="download-heading">
      <h2 id="download-heading">Download a model</h2>
      <div className="field">
        <label htmlFor="model-uri">Model URI</label>
        <input
          id="model-uri"
          value={uri}
          onChange={(e) => setUri(e.target.value)}
          placeholder="hf:owner/repo/file.gguf or https://…/file.gguf"
          spellCheck={false}
          aria-invalid={uriInvalid ? true : undefined}
          aria-describedby={uriInvalid ? 'download-error' : 'download-hint'}
        />
        <span className="hint" id="download-hint">
          A GGUF file: <code>hf:&lt;owner&gt;/&lt;repo&gt;/&lt;file&gt;.gguf</code> or an https:// address.
        </span>
      </div>
      <div className="actions">
        {download.kind === 'running' ? (
          <button type="button" className="danger" onClick={store.cancel}>
            Cancel download
          </button>
        ) : (
          <button type="submit" disabled={uri.trim() === ''}>
            Download
          </button>
        )}
        {download.kind === 'cancelled' || download.kind === 'failed' ? (
          <button type="button" onClick={() => store.start(download.uri, onDownloaded)}>
            Resume download
          </button>
        ) : null}
      </div>
      {download.kind === 'idle' ? null : (
        <p className="meta">
          <code>{download.uri}</code>
        </p>
      )}
      {download.kind === 'running' ? <Progress download={download} /> : null}
      {download.kind === 'cancelled' ? (
        <>
          <Progress download={download} />
          <p role="status">Download cancelled. What was fetched is kept: Resume download continues from there.</p>
        </>
      ) : null}
      {download.kind === 'failed' ? (
        <>
          {download.downloaded > 0 ? <Progress download={download} /> : null}
          <ErrorNote message={download.error} id="download-error" />
        </>
      ) : null}
      {download.kind === 'done' ? (
        <>
          <p role="status">
            Downloaded {fileName(download.path)} ({formatBytes(download.bytes)}) to <code>{download.path}</code>.
          </p>
          <button
            type="button"
            disabled={selector.busy}
            onClick={() => void selector.select('download', fileName(download.path), { case: 'local', value: download.path })}
          >
            Use {fileName(download.path)}
          </button>
        </>
      ) : null}
      <SelectionNote selection={selector.at('download')} />
    </form>
  );
}
