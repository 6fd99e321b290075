/**
 * Which process runs a deliberation. Several processes share one data folder (the daemon, a
 * `fleet deliberate` beside it), so a restart must tell a run lost in a crash from one still going
 * in another process.
 */
export interface RunOwners {
  /** This process, as recorded on the deliberations it runs. */
  readonly self: string;
  /** Whether the process recorded as `owner` is still running. */
  isAlive(owner: string): boolean;
}
