/**
 * What the desktop shell's preload script exposes as `window.fleet` (main/electron/preload.cts and
 * ipc-schema.ts, which the renderer may not import): copied here, kept to the same shape. Absent in a
 * plain browser. Global, so that nothing imports this file (it has no code).
 */
export {};

declare global {
  interface DaemonStateView {
    readonly kind: 'starting' | 'ready' | 'crashed' | 'stopped';
    /** The API origin and token, when ready. */
    readonly api?: { readonly origin: string; readonly token: string };
    /** `at` is an ISO time; the shell restarts the daemon `restartInMs` after it. */
    readonly lastCrash?: { readonly reason: string; readonly at: string; readonly restartInMs: number };
    readonly restarts: number;
  }

  interface OpenDeliberation {
    readonly taskId: string;
  }

  type OpenExternalReply = { readonly opened: true } | { readonly opened: false; readonly reason: string };

  interface FleetShell {
    /** The listener hears the latest state at once, then each change; the function returned unsubscribes. */
    onDaemonState(listener: (state: DaemonStateView) => void): () => void;
    onOpenDeliberation(listener: (link: OpenDeliberation) => void): () => void;
    openExternal(url: string): Promise<OpenExternalReply>;
  }

  interface Window {
    readonly fleet?: FleetShell;
  }
}
