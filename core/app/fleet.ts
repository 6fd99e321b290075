import { Councils } from './councils.js';
import { Deliberations, type DeliberationsDeps } from './deliberations.js';
import { FleetStatus } from './fleet-status.js';

export interface StartupReport {
  readonly councilsCreated: number;
  /** Task ids of the deliberations marked FAILED because their process was gone. */
  readonly interrupted: readonly string[];
}

/** The deliberation, council and status use cases over one pair of stores. */
export interface Fleet {
  readonly deliberations: Deliberations;
  readonly councils: Councils;
  readonly status: FleetStatus;
  /**
   * Startup: creates the five default councils where missing and fails the deliberations whose
   * process is gone (a crash or kill left them running); those of live processes are left alone.
   */
  start(): Promise<StartupReport>;
}

export function createFleet(deps: DeliberationsDeps): Fleet {
  const deliberations = new Deliberations(deps);
  const councils = new Councils(deps.councils, deps.clock, () => deps.modelName);
  const status = new FleetStatus({ ...deps, running: deliberations });
  return {
    deliberations,
    councils,
    status,
    async start() {
      const created = await councils.ensureDefaults();
      const interrupted = await deliberations.recoverInterrupted();
      return { councilsCreated: created.length, interrupted };
    },
  };
}
