import { z } from 'zod';
import type { Deliberation } from '../../domain/deliberation.js';
import { DELIBERATION_STATUSES, PHASES } from '../../domain/deliberation.js';
import { ERROR_CODES } from '../../domain/errors.js';
import { ROLES } from '../../domain/role.js';

// The stored body mirrors the domain types field for field, and no stricter: a value the domain accepts
// must read back. Annotating the schema with the domain type makes the compiler flag drift between the
// two; parsing flags drift between disk and code.

const role = z.enum(ROLES);
const phase = z.enum(PHASES);
const num = z.number();

const agent = z.object({ id: z.string(), role, perspective: z.string() });

const task = z.object({
  id: z.string(),
  description: z.string(),
  role,
  storyId: z.string().optional(),
  planId: z.string().optional(),
  context: z.object({ text: z.string(), version: z.string() }).optional(),
  constraints: z.object({
    rubric: z.array(z.string()),
    requirements: z.array(z.string()),
    timeoutMs: num,
    maxTokens: num,
  }),
});

const content = z.object({
  summary: z.string(),
  approach: z.string(),
  risks: z.string(),
  requirements: z.array(z.string()),
});

const critique = z.object({
  reviewerId: z.string(),
  targetAuthorId: z.string(),
  round: num,
  feedback: z.string(),
  issues: z.array(z.string()),
  raw: z.string(),
  createdAtMs: num,
});

const revision = z.object({ round: num, content, critique, raw: z.string(), createdAtMs: num });

const proposal = z.object({
  authorId: z.string(),
  authorRole: role,
  content,
  original: content,
  revisions: z.array(revision),
  raw: z.string(),
  createdAtMs: num,
});

// Records written before checks had a kind and violations read back with them derived: only the
// length check is about form, and a failed check's detail is its one violation.
const check = z
  .object({
    name: z.string(),
    kind: z.enum(['policy', 'lint']).optional(),
    passed: z.boolean(),
    score: z.number(),
    detail: z.string(),
    violations: z.array(z.string()).optional(),
  })
  .transform((c) => ({
    ...c,
    kind: c.kind ?? (c.name === 'length_bounds' ? ('lint' as const) : ('policy' as const)),
    violations: c.violations ?? (c.passed ? [] : [c.detail]),
  }));

const checkSuite = z.object({
  checks: z.array(check),
  passed: z.boolean(),
  score: z.number(),
  requirementCoverage: z.number(),
});

const judgment = z.object({
  criteria: z.array(z.object({ name: z.string(), score: z.number(), repaired: z.string().optional() })),
  comment: z.string(),
  raw: z.string(),
});

const result = z.object({
  proposal,
  checks: checkSuite,
  judgment,
  score: z.object({ total: z.number(), rubric: z.number(), checks: z.number() }),
  rank: num,
});

export const deliberationSchema: z.ZodType<Deliberation> = z.object({
  taskId: z.string(),
  attempt: num.optional(),
  earlierAttempts: z
    .array(
      z.object({
        attempt: num,
        status: z.enum(DELIBERATION_STATUSES),
        error: z.string().optional(),
        createdAtMs: num,
        finishedAtMs: num.optional(),
      }),
    )
    .optional(),
  councilId: z.string(),
  role,
  task,
  agents: z.array(agent),
  rounds: num,
  orchestrated: z.boolean().optional(),
  model: z.string(),
  status: z.enum(DELIBERATION_STATUSES),
  results: z.array(result),
  winnerId: z.string().optional(),
  decision: z.object({ chosenId: z.string(), rationale: z.string(), candidates: z.array(z.string()), raw: z.string() }).optional(),
  failures: z.array(
    z.object({
      agentId: z.string(),
      phase,
      round: num.optional(),
      code: z.enum(ERROR_CODES),
      message: z.string(),
      atMs: num,
    }),
  ),
  timings: z.array(z.object({ phase, round: num.optional(), startedAtMs: num, finishedAtMs: num })),
  owner: z.string().optional(),
  currentPhase: phase.optional(),
  error: z.string().optional(),
  createdAtMs: num,
  finishedAtMs: num.optional(),
  durationMs: num.optional(),
});

/** A short account of why a value failed a schema: the first few fields at fault and what was wrong. */
export function describeIssues(error: z.ZodError, max = 3): string {
  const shown = error.issues.slice(0, max).map((issue) => `${issue.path.length === 0 ? '(root)' : issue.path.join('.')}: ${issue.message}`);
  const more = error.issues.length > max ? `; and ${error.issues.length - max} more` : '';
  return shown.join('; ') + more;
}
