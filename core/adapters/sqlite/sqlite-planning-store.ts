import Database from 'better-sqlite3';
import { z } from 'zod';
import { FleetError } from '../../domain/errors.js';
import { type Epic, type PlanTask, type Project, RIGOR_LEVELS, STORY_STATES, type Story } from '../../domain/planning.js';
import { ROLES } from '../../domain/role.js';
import type { ApprovedPlan, TaskDependency } from '../../domain/task-derivation.js';
import type { Page, PageQuery, PlanningStore } from '../../ports/planning-store.js';
import { describeIssues } from './deliberation-schema.js';
import type { Synchronous } from './disk-full.js';
import type { SqliteDatabase } from './open-database.js';

const times = { createdAtMs: z.number(), updatedAtMs: z.number() };
const projectSchema: z.ZodType<Project> = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  status: z.string(),
  owner: z.string(),
  rigor: z.enum(RIGOR_LEVELS),
  ...times,
});
const epicSchema: z.ZodType<Epic> = z.object({
  id: z.string(),
  projectId: z.string(),
  title: z.string(),
  description: z.string(),
  status: z.string(),
  ...times,
});
const storySchema: z.ZodType<Story> = z.object({
  id: z.string(),
  epicId: z.string(),
  title: z.string(),
  brief: z.string(),
  state: z.enum(STORY_STATES),
  dorScore: z.number(),
  createdBy: z.string(),
  ...times,
});
const taskSchema: z.ZodType<PlanTask> = z.object({
  id: z.string(),
  storyId: z.string(),
  planId: z.string().optional(),
  title: z.string(),
  description: z.string(),
  type: z.string(),
  status: z.string(),
  assignedTo: z.string(),
  estimatedHours: z.number(),
  priority: z.number(),
  requestId: z.string().optional(),
  ...times,
});

const planSchema: z.ZodType<ApprovedPlan> = z.object({
  id: z.string(),
  storyId: z.string(),
  roles: z.array(z.enum(ROLES)),
  approvedBy: z.string(),
  createdAtMs: z.number(),
});

interface Table<T> {
  save(record: T): void;
  get(id: string): T | undefined;
  page(filters: Readonly<Record<string, string | undefined>>, query: PageQuery): Page<T>;
  delete(id: string): boolean;
}

/**
 * One table per kind: the record whole in `body`, the columns a list filters on beside it. Filters are
 * column names fixed here, never taken from a caller.
 */
function table<T extends { id: string; createdAtMs: number }>(
  db: SqliteDatabase,
  name: string,
  schema: z.ZodType<T>,
  columns: Readonly<Record<string, (record: T) => string | null>>,
  filterable: readonly string[],
): Table<T> {
  const names = ['id', ...Object.keys(columns), 'created_at_ms', 'body'];
  const upsert = db.prepare(
    `INSERT INTO ${name} (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})
     ON CONFLICT (id) DO UPDATE SET ${names
       .filter((n) => n !== 'id')
       .map((n) => `${n} = excluded.${n}`)
       .join(', ')}`,
  );
  const selectOne = db.prepare(`SELECT id, body FROM ${name} WHERE id = ?`);
  const deleteOne = db.prepare(`DELETE FROM ${name} WHERE id = ?`);
  const read = (row: { id: string; body: string }): T => {
    let json: unknown;
    try {
      json = JSON.parse(row.body);
    } catch {
      throw corrupt(name, row.id, 'not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw corrupt(name, row.id, describeIssues(parsed.error));
    return parsed.data;
  };
  return {
    save(record) {
      const values = Object.fromEntries(Object.entries(columns).map(([column, of]) => [column, of(record)]));
      upsert.run({ id: record.id, ...values, created_at_ms: record.createdAtMs, body: JSON.stringify(record) });
    },
    get(id) {
      const row = selectOne.get(id) as { id: string; body: string } | undefined;
      return row === undefined ? undefined : read(row);
    },
    page(filters, { limit, offset }) {
      const used = filterable.filter((c) => filters[c] !== undefined);
      const where = used.length === 0 ? '' : `WHERE ${used.map((c) => `${c} = @${c}`).join(' AND ')}`;
      const params = Object.fromEntries(used.map((c) => [c, filters[c]]));
      const total = (db.prepare(`SELECT count(*) AS n FROM ${name} ${where}`).get(params) as { n: number }).n;
      const rows = db
        .prepare(`SELECT id, body FROM ${name} ${where} ORDER BY created_at_ms DESC, id DESC LIMIT @limit OFFSET @offset`)
        .all({ ...params, limit, offset }) as { id: string; body: string }[];
      return { items: rows.map(read), total };
    },
    delete: (id) => deleteOne.run(id).changes > 0,
  };
}

function corrupt(table: string, id: string, why: string): FleetError {
  return new FleetError('INTERNAL', `the stored ${table} row ${id} cannot be read: ${why}`);
}

/** The planning store over the fleet's database; every call is answered at once (SQLite is local). */
export function createSqlitePlanningStore(db: SqliteDatabase): Synchronous<PlanningStore> {
  const projects = table(db, 'projects', projectSchema, { status: (p) => p.status }, ['status']);
  const epics = table(db, 'epics', epicSchema, { project_id: (e) => e.projectId, status: (e) => e.status }, ['project_id', 'status']);
  const stories = table(db, 'stories', storySchema, { epic_id: (s) => s.epicId, state: (s) => s.state }, ['epic_id', 'state']);
  const tasks = table(
    db,
    'plan_tasks',
    taskSchema,
    { story_id: (t) => t.storyId, status: (t) => t.status, request_id: (t) => t.requestId ?? null },
    ['story_id', 'status'],
  );
  const byRequest = db.prepare('SELECT id FROM plan_tasks WHERE request_id = ?');
  const plans = table(db, 'approved_plans', planSchema, { story_id: (p) => p.storyId }, []);
  const addDependency = db.prepare(
    `INSERT INTO task_dependencies (story_id, from_task_id, to_task_id, reason, created_at_ms)
     VALUES (@storyId, @from, @to, @reason, @atMs) ON CONFLICT DO NOTHING`,
  );
  const addDependencies = db.transaction((storyId: string, dependencies: readonly TaskDependency[], atMs: number) => {
    for (const d of dependencies) addDependency.run({ storyId, ...d, atMs });
  });
  const dependenciesOf = db.prepare(
    'SELECT from_task_id AS "from", to_task_id AS "to", reason FROM task_dependencies WHERE story_id = ? ORDER BY created_at_ms, rowid',
  );

  return {
    saveProject: (p) => projects.save(p),
    project: (id) => projects.get(id),
    projects: (q) => projects.page({ status: q.status }, q),
    deleteProject: (id) => projects.delete(id),

    saveEpic: (e) => epics.save(e),
    epic: (id) => epics.get(id),
    epics: (q) => epics.page({ project_id: q.projectId, status: q.status }, q),
    deleteEpic: (id) => epics.delete(id),

    saveStory: (s) => stories.save(s),
    story: (id) => stories.get(id),
    stories: (q) => stories.page({ epic_id: q.epicId, state: q.state }, q),
    deleteStory: (id) => stories.delete(id),

    saveTask: (t) => {
      try {
        tasks.save(t);
      } catch (e) {
        if (e instanceof Database.SqliteError && e.code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new FleetError('ALREADY_EXISTS', `request_id ${t.requestId ?? ''} already created another task`, { field: 'request_id' });
        }
        throw e;
      }
    },
    task: (id) => tasks.get(id),
    taskByRequest: (requestId) => {
      const row = byRequest.get(requestId) as { id: string } | undefined;
      return row === undefined ? undefined : tasks.get(row.id);
    },
    tasks: (q) => tasks.page({ story_id: q.storyId, status: q.status }, q),

    savePlan: (p) => plans.save(p),
    plan: (id) => plans.get(id),
    saveDependencies: (storyId, dependencies, atMs) => addDependencies(storyId, dependencies, atMs),
    dependencies: (storyId) => dependenciesOf.all(storyId) as TaskDependency[],
  };
}
