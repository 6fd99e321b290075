// The page's whole reach into the app: `window.fleet`, three functions. A sandboxed preload may require only
// `electron`, so this file is CommonJS with no imports of ours at run time; the types check it against
// ipc-schema.ts, which the main process uses to validate what arrives.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS import form, which verbatimModuleSyntax requires here
import electron = require('electron');
import type { Channels, DaemonStateView, FleetApi, OpenDeliberation, OpenExternalReply } from './ipc-schema.js';

const CHANNELS: Channels = {
  daemonState: 'fleet:daemon-state',
  openDeliberation: 'fleet:open-deliberation',
  openExternal: 'fleet:open-external',
};

/**
 * Keeps the last message of a channel for a listener that subscribes later: the daemon's state and a deep
 * link that started the app both arrive before the page has rendered.
 */
function latest<T>(channel: string): (listener: (value: T) => void) => () => void {
  let last: { value: T } | undefined;
  const listeners = new Set<(value: T) => void>();
  electron.ipcRenderer.on(channel, (_event, value: T) => {
    last = { value };
    for (const listener of listeners) listener(value);
  });
  return (listener) => {
    listeners.add(listener);
    if (last !== undefined) listener(last.value);
    return () => listeners.delete(listener);
  };
}

const api: FleetApi = {
  onDaemonState: latest<DaemonStateView>(CHANNELS.daemonState),
  onOpenDeliberation: latest<OpenDeliberation>(CHANNELS.openDeliberation),
  openExternal: (url) => electron.ipcRenderer.invoke(CHANNELS.openExternal, { url }) as Promise<OpenExternalReply>,
};

electron.contextBridge.exposeInMainWorld('fleet', api);
