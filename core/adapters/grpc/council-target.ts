import type { Council } from '../../domain/council.js';
import { FleetError, notFound } from '../../domain/errors.js';
import type { FleetService } from '../../ports/fleet-service.js';
import type { CouncilTarget } from './request-mapping.js';

/** The council a request names, by id or by its role (which must then be unambiguous). */
export function resolveCouncil(service: FleetService, target: CouncilTarget): Council {
  if ('councilId' in target) {
    const council = service.listCouncils().find((c) => c.id === target.councilId);
    if (council === undefined) throw notFound('council', target.councilId);
    return council;
  }
  const councils = service.listCouncils(target.role);
  const [only] = councils;
  if (only === undefined) throw notFound('council for role', target.role);
  if (councils.length > 1) {
    throw new FleetError(
      'FAILED_PRECONDITION',
      `role ${target.role} has ${councils.length} councils (${councils.map((c) => c.id).join(', ')}): name one with council_id`,
      { field: 'council_id' },
    );
  }
  return only;
}
