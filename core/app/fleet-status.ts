import type { Clock } from '../ports/clock.js';
import type { CouncilStore } from '../ports/council-store.js';
import type { DeliberationStore } from '../ports/deliberation-store.js';
import type { ServiceMetrics, ServiceStatus, StatusService } from '../ports/status-service.js';
import type { Deliberations } from './deliberations.js';
import { computeMetrics } from './metrics.js';

export interface FleetStatusDeps {
  readonly councils: CouncilStore;
  readonly deliberations: DeliberationStore;
  readonly running: Pick<Deliberations, 'healthy' | 'running'>;
  readonly clock: Clock;
  readonly modelName: string;
}

/** Health and figures: the deliberations stored (not only this process's) and those running here. */
export class FleetStatus implements StatusService {
  private readonly startedAtMs: number;

  constructor(private readonly deps: FleetStatusDeps) {
    this.startedAtMs = deps.clock.now();
  }

  async status(): Promise<ServiceStatus> {
    const running = this.deps.running.running();
    return {
      status: this.deps.running.healthy ? 'SERVING' : 'NOT_SERVING',
      uptimeSeconds: Math.floor((this.deps.clock.now() - this.startedAtMs) / 1000),
      model: this.deps.modelName,
      councils: (await this.deps.councils.list()).length,
      running: running.length,
      busyCouncils: new Set(running.map((r) => r.councilId)),
    };
  }

  async metrics(options: { readonly sinceMs?: number } = {}): Promise<ServiceMetrics> {
    const [outcomes, turns, councils] = await Promise.all([
      this.deps.deliberations.outcomes(options),
      this.deps.deliberations.turnTotals(options),
      this.deps.councils.list(),
    ]);
    return computeMetrics({ outcomes, turns, councils, running: this.deps.running.running() });
  }
}
