import type { Council } from '../domain/council.js';
import type { Role } from '../domain/role.js';

export interface CouncilStore {
  save(council: Council): void;
  get(id: string): Council | undefined;
  list(role?: Role): Council[];
  /** Returns false when there was no such council. */
  delete(id: string): boolean;
}
