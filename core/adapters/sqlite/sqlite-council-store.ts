import { z } from 'zod';
import type { Council } from '../../domain/council.js';
import { FleetError } from '../../domain/errors.js';
import { ROLES, type Role } from '../../domain/role.js';
import type { CouncilStore } from '../../ports/council-store.js';
import { describeIssues } from './deliberation-schema.js';
import type { Synchronous } from './disk-full.js';
import type { SqliteDatabase } from './open-database.js';

const role = z.enum(ROLES);

const councilRow = z.object({
  id: z.string(),
  role,
  model: z.string(),
  rounds: z.number(),
  peer_review: z.union([z.literal(0), z.literal(1)]),
  created_at_ms: z.number(),
});

const agentRows = z.array(z.object({ id: z.string(), role, perspective: z.string() }));

export function createSqliteCouncilStore(db: SqliteDatabase): Synchronous<CouncilStore> {
  const upsert = db.prepare(
    `INSERT INTO councils (id, role, model, rounds, peer_review, created_at_ms)
     VALUES (@id, @role, @model, @rounds, @peerReview, @createdAtMs)
     ON CONFLICT (id) DO UPDATE SET role = excluded.role, model = excluded.model, rounds = excluded.rounds,
       peer_review = excluded.peer_review, created_at_ms = excluded.created_at_ms`,
  );
  const deleteAgents = db.prepare('DELETE FROM council_agents WHERE council_id = ?');
  const insertAgent = db.prepare('INSERT INTO council_agents (council_id, position, id, role, perspective) VALUES (?, ?, ?, ?, ?)');
  const selectOne = db.prepare('SELECT * FROM councils WHERE id = ?');
  const selectAll = db.prepare('SELECT * FROM councils ORDER BY created_at_ms, id');
  const selectByRole = db.prepare('SELECT * FROM councils WHERE role = ? ORDER BY created_at_ms, id');
  const selectAgents = db.prepare('SELECT id, role, perspective FROM council_agents WHERE council_id = ? ORDER BY position');
  const deleteOne = db.prepare('DELETE FROM councils WHERE id = ?');

  function read(row: unknown): Council {
    const id = String((row as { id?: unknown }).id);
    const council = councilRow.safeParse(row);
    if (!council.success) throw corrupt(id, describeIssues(council.error));
    const agents = agentRows.safeParse(selectAgents.all(id));
    if (!agents.success) throw corrupt(id, `agents: ${describeIssues(agents.error)}`);
    const c = council.data;
    return {
      id: c.id,
      role: c.role,
      agents: agents.data,
      model: c.model,
      rounds: c.rounds,
      peerReview: c.peer_review === 1,
      createdAtMs: c.created_at_ms,
    };
  }

  // Each operation is one transaction: a writer never leaves, and a reader never sees, a council paired
  // with another version's agents (another process may save between a council's row and its agents).
  const save = db.transaction((council: Council) => {
    upsert.run({
      id: council.id,
      role: council.role,
      model: council.model,
      rounds: council.rounds,
      peerReview: council.peerReview ? 1 : 0,
      createdAtMs: council.createdAtMs,
    });
    deleteAgents.run(council.id);
    council.agents.forEach((agent, position) => insertAgent.run(council.id, position, agent.id, agent.role, agent.perspective));
  });
  const get = db.transaction((id: string): Council | undefined => {
    const row: unknown = selectOne.get(id);
    return row === undefined ? undefined : read(row);
  });
  const list = db.transaction((byRole?: Role): Council[] => (byRole === undefined ? selectAll.all() : selectByRole.all(byRole)).map(read));

  return {
    save: (council) => save(council),
    get: (id) => get(id),
    list: (byRole) => list(byRole),
    delete: (id) => deleteOne.run(id).changes > 0,
  };
}

const corrupt = (id: string, detail: string): FleetError =>
  new FleetError('INTERNAL', `council ${id}: the stored record is unreadable (${detail}); the database may be damaged`);
