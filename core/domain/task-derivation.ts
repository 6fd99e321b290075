import { FleetError, invalidArgument } from './errors.js';
import { PLANNING_LIMITS } from './planning.js';
import type { Role } from './role.js';

/**
 * Task derivation: an approved plan cut into atomic tasks, each for one role, with the dependencies
 * between them. The model proposes; these rules decide what is kept.
 */

/** An approved plan: which story it plans and which roles carry it out. */
export interface ApprovedPlan {
  readonly id: string;
  readonly storyId: string;
  readonly roles: readonly Role[];
  readonly approvedBy: string;
  /** When it was approved. */
  readonly createdAtMs: number;
}

/** One task as the model proposes it; `key` names it inside the answer, for the dependencies. */
export interface DerivedTask {
  readonly key: string;
  readonly role: Role;
  readonly title: string;
  readonly description: string;
  readonly estimatedHours: number;
  /** 1 is the highest. */
  readonly priority: number;
  /** Keys of the tasks of the same answer this one waits for. */
  readonly dependsOn: readonly string[];
}

/** `from` waits for `to`: the reading of a DEPENDS_ON edge in the decision graph. */
export interface TaskDependency {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

export const DERIVATION_LIMITS = { defaultTasksPerRole: 4, maxTasksPerRole: 10, maxHours: 400 } as const;

export function checkTasksPerRole(value: number, field: string): number {
  if (value === 0) return DERIVATION_LIMITS.defaultTasksPerRole;
  if (!Number.isInteger(value) || value < 1 || value > DERIVATION_LIMITS.maxTasksPerRole)
    throw invalidArgument(field, `1..${DERIVATION_LIMITS.maxTasksPerRole} (0 for ${DERIVATION_LIMITS.defaultTasksPerRole})`, value);
  return value;
}

/**
 * The model's tasks as kept: each role among the plan's, a title, priority 1 or more, hours 0 or more,
 * no more than `maxPerRole` per role, keys unique, dependencies naming tasks of the same answer and no
 * cycle among them. INVALID_ARGUMENT naming the first field at fault (`tasks[i].role`, ...).
 */
export function checkDerivedTasks(tasks: readonly DerivedTask[], roles: readonly Role[], maxPerRole: number): readonly DerivedTask[] {
  if (tasks.length === 0) throw invalidArgument('tasks', 'at least one task');
  const keys = new Set<string>();
  const perRole = new Map<Role, number>();
  tasks.forEach((t, i) => {
    const at = `tasks[${i}]`;
    if (t.key.trim() === '' || keys.has(t.key)) throw invalidArgument(`${at}.key`, 'a key no other task of the answer has', t.key);
    keys.add(t.key);
    if (!roles.includes(t.role)) throw invalidArgument(`${at}.role`, `one of the plan's roles (${roles.join(', ')})`, t.role);
    const count = (perRole.get(t.role) ?? 0) + 1;
    if (count > maxPerRole) throw invalidArgument(`${at}.role`, `at most ${maxPerRole} tasks per role`, `task ${count} for ${t.role}`);
    perRole.set(t.role, count);
    checkTaskFields(t, at);
  });
  tasks.forEach((t, i) =>
    t.dependsOn.forEach((d, j) => {
      if (!keys.has(d)) throw invalidArgument(`tasks[${i}].depends_on[${j}]`, 'the key of another task of the answer', d);
    }),
  );
  checkAcyclic(
    tasks.flatMap((t) => t.dependsOn.map((to) => ({ from: t.key, to }))),
    'tasks.depends_on',
  );
  return tasks;
}

/** The fields every stored task needs, whoever proposed it. */
export function checkTaskFields(t: Pick<DerivedTask, 'title' | 'estimatedHours' | 'priority'>, at: string): void {
  const title = t.title.trim();
  if (title === '' || title.length > PLANNING_LIMITS.nameChars)
    throw invalidArgument(`${at}.title`, `a non-empty text of at most ${PLANNING_LIMITS.nameChars} characters`, t.title);
  if (!Number.isInteger(t.priority) || t.priority < 1)
    throw invalidArgument(`${at}.priority`, 'an integer, 1 or more (1 is the highest)', t.priority);
  if (!Number.isInteger(t.estimatedHours) || t.estimatedHours < 0 || t.estimatedHours > DERIVATION_LIMITS.maxHours)
    throw invalidArgument(`${at}.estimated_hours`, `0..${DERIVATION_LIMITS.maxHours}`, t.estimatedHours);
}

/**
 * A cycle among the edges as the path that closes it (`a → b → a`), or undefined when there is none.
 * Depth first over the nodes in the order they first appear, so the same edges name the same cycle.
 */
export function findCycle(edges: readonly Pick<TaskDependency, 'from' | 'to'>[]): readonly string[] | undefined {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (node: string): readonly string[] | undefined => {
    if (onPath.has(node)) return [...path.slice(path.indexOf(node)), node];
    if (done.has(node)) return undefined;
    path.push(node);
    onPath.add(node);
    for (const to of next.get(node) ?? []) {
      const cycle = visit(to);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    onPath.delete(node);
    done.add(node);
    return undefined;
  };
  for (const node of next.keys()) {
    const cycle = visit(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** INVALID_ARGUMENT naming the cycle, when the dependencies have one: no order could carry them out. */
export function checkAcyclic(edges: readonly Pick<TaskDependency, 'from' | 'to'>[], field: string): void {
  const cycle = findCycle(edges);
  if (cycle !== undefined)
    throw new FleetError('INVALID_ARGUMENT', `${field}: the dependencies form a cycle, ${cycle.join(' → ')}`, { field });
}
