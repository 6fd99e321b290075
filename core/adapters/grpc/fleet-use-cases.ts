import type { CouncilService } from '../../ports/council-service.js';
import type { DeliberationService } from '../../ports/deliberation-service.js';
import type { StatusService } from '../../ports/status-service.js';

/** The use cases behind the orchestrator's and the desktop's rpcs. */
export interface FleetUseCases {
  readonly deliberations: DeliberationService;
  readonly councils: CouncilService;
  readonly status: StatusService;
}
