import type { Council } from '../../domain/council.js';
import { FleetError, notFound } from '../../domain/errors.js';
import type { CouncilService } from '../../ports/council-service.js';
import type { CouncilTarget } from './request-mapping.js';

/** The council a request names, by id or by its role (which must then be unambiguous). */
export async function resolveCouncil(councils: CouncilService, target: CouncilTarget): Promise<Council> {
  if ('councilId' in target) {
    const council = (await councils.listCouncils()).find((c) => c.id === target.councilId);
    if (council === undefined) throw notFound('council', target.councilId);
    return council;
  }
  const ofRole = await councils.listCouncils(target.role);
  const [only] = ofRole;
  if (only === undefined) throw notFound('council for role', target.role);
  if (ofRole.length > 1) {
    throw new FleetError(
      'FAILED_PRECONDITION',
      `role ${target.role} has ${ofRole.length} councils (${ofRole.map((c) => c.id).join(', ')}): name one with council_id`,
      { field: 'council_id' },
    );
  }
  return only;
}
