/**
 * Schema steps, applied in order by `openDatabase`. Step i brings the file from `user_version` i to
 * i + 1. Append only: a step that has shipped is never edited, because files out there already ran it.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: councils, deliberations, turns. Times are REAL: they come from clocks and timers that may
  // give fractions of a millisecond, which a STRICT INTEGER column would refuse.
  `
  CREATE TABLE councils (
    id            TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    model         TEXT NOT NULL,
    rounds        INTEGER NOT NULL,
    peer_review   INTEGER NOT NULL,
    created_at_ms REAL NOT NULL
  ) STRICT;
  CREATE INDEX councils_by_role ON councils (role, created_at_ms);

  CREATE TABLE council_agents (
    council_id  TEXT NOT NULL REFERENCES councils (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    id          TEXT NOT NULL,
    role        TEXT NOT NULL,
    perspective TEXT NOT NULL,
    PRIMARY KEY (council_id, position),
    UNIQUE (council_id, id)
  ) STRICT;

  -- No foreign key to councils: a deliberation outlives the council it ran in, as history.
  -- body is the whole domain object; the other columns exist to be queried.
  CREATE TABLE deliberations (
    task_id       TEXT PRIMARY KEY,
    council_id    TEXT NOT NULL,
    role          TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at_ms REAL NOT NULL,
    updated_at_ms REAL NOT NULL,
    body          TEXT NOT NULL
  ) STRICT;
  CREATE INDEX deliberations_by_created ON deliberations (created_at_ms DESC, task_id DESC);
  CREATE INDEX deliberations_by_council ON deliberations (council_id);
  CREATE INDEX deliberations_unfinished ON deliberations (created_at_ms) WHERE status IN ('PENDING', 'IN_PROGRESS');

  -- Append-only audit of model calls. No foreign key to deliberations: a turn is never refused
  -- (losing audit data to an ordering slip in the caller is worse than an orphan row).
  CREATE TABLE turns (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id           TEXT NOT NULL,
    agent_id          TEXT NOT NULL,
    phase             TEXT NOT NULL,
    round             INTEGER,
    ok                INTEGER NOT NULL,
    raw               TEXT NOT NULL,
    error             TEXT,
    completion_tokens INTEGER NOT NULL,
    duration_ms       REAL NOT NULL,
    at_ms             REAL NOT NULL
  ) STRICT;
  CREATE INDEX turns_by_task ON turns (task_id, seq);
  `,
  // 2: attempts. A task that failed runs again under its id as the next attempt; \`deliberations\` keeps
  // the latest, this table the whole record of each one before it. Turns say which attempt they served.
  `
  CREATE TABLE deliberation_attempts (
    task_id       TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    status        TEXT NOT NULL,
    created_at_ms REAL NOT NULL,
    body          TEXT NOT NULL,
    PRIMARY KEY (task_id, attempt)
  ) STRICT;

  ALTER TABLE turns ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
  `,
  // 3: planning. body is the whole domain object; the other columns exist to be queried. No foreign
  // keys: the use cases keep the hierarchy (and refuse deleting a parent that still has children).
  `
  CREATE TABLE projects (
    id            TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    created_at_ms REAL NOT NULL,
    body          TEXT NOT NULL
  ) STRICT;
  CREATE TABLE epics (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at_ms REAL NOT NULL,
    body          TEXT NOT NULL
  ) STRICT;
  CREATE INDEX epics_by_project ON epics (project_id, created_at_ms);
  CREATE TABLE stories (
    id            TEXT PRIMARY KEY,
    epic_id       TEXT NOT NULL,
    state         TEXT NOT NULL,
    created_at_ms REAL NOT NULL,
    body          TEXT NOT NULL
  ) STRICT;
  CREATE INDEX stories_by_epic ON stories (epic_id, created_at_ms);
  CREATE TABLE plan_tasks (
    id            TEXT PRIMARY KEY,
    story_id      TEXT NOT NULL,
    status        TEXT NOT NULL,
    request_id    TEXT UNIQUE,
    created_at_ms REAL NOT NULL,
    body          TEXT NOT NULL
  ) STRICT;
  CREATE INDEX plan_tasks_by_story ON plan_tasks (story_id, created_at_ms);
  `,
  // 4: task derivation. The plans the product owner approved (derivation reads their roles), and the
  // dependencies between a story's tasks, one row per edge so that an edge saved twice is one edge.
  `
  CREATE TABLE approved_plans (
    id            TEXT PRIMARY KEY,
    story_id      TEXT NOT NULL,
    created_at_ms REAL NOT NULL,
    body          TEXT NOT NULL
  ) STRICT;
  CREATE TABLE task_dependencies (
    story_id      TEXT NOT NULL,
    from_task_id  TEXT NOT NULL,
    to_task_id    TEXT NOT NULL,
    reason        TEXT NOT NULL,
    created_at_ms REAL NOT NULL,
    PRIMARY KEY (from_task_id, to_task_id)
  ) STRICT;
  CREATE INDEX task_dependencies_by_story ON task_dependencies (story_id, created_at_ms);
  `,
  // 5: built contexts (the cluster keeps them in Valkey). An entry counts only under its story's
  // current generation, which every change of the story's graph bumps.
  `
  CREATE TABLE context_generations (
    story_id   TEXT PRIMARY KEY,
    generation INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE context_cache (
    story_id   TEXT NOT NULL,
    role       TEXT NOT NULL,
    phase      TEXT NOT NULL,
    subtask_id TEXT NOT NULL,
    budget     INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (story_id, role, phase, subtask_id, budget)
  ) STRICT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
