import type { Council } from '../domain/council.js';
import type { Role } from '../domain/role.js';

/** Asynchronous, as a store shared across a cluster is. */
export interface CouncilStore {
  save(council: Council): Promise<void>;
  get(id: string): Promise<Council | undefined>;
  list(role?: Role): Promise<Council[]>;
  /** Resolves false when there was no such council. */
  delete(id: string): Promise<boolean>;
}
