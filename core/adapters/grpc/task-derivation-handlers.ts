import type { OrchestratorServiceServer, AtomicTask as ProtoAtomicTask } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import type { TaskDerivationPlanningServiceServer } from '../../../proto/gen/fleet/task_derivation/v1/task_derivation.js';
import { FleetError, invalidArgument } from '../../domain/errors.js';
import { checkText, PLANNING_LIMITS } from '../../domain/planning.js';
import { splitBrief } from '../../domain/story-coach.js';
import { checkTaskFields, checkTasksPerRole, type TaskDependency } from '../../domain/task-derivation.js';
import { parseRole } from '../../domain/validation.js';
import type { Log } from '../../ports/log.js';
import type { Derivation, TaskDerivationService } from '../../ports/task-derivation.js';
import { wireId as id } from './request-mapping.js';
import { unaryCalls } from './unary-call.js';

const served = (service: TaskDerivationService | undefined): TaskDerivationService => {
  if (service === undefined)
    throw new FleetError('FAILED_PRECONDITION', 'this server runs without task derivation (it needs the planning service)');
  return service;
};

/**
 * TaskDerivationPlanningService (fleet.task_derivation.v1): what the cluster's task derivation reads
 * from and writes to planning, over this daemon's derivation use cases. Requests are checked here,
 * once; errors name the wire field.
 */
export function taskDerivationHandlers(service: TaskDerivationService | undefined, log: Log): TaskDerivationPlanningServiceServer {
  const unary = unaryCalls(log);
  return {
    getPlanContext: unary('GetPlanContext', async (r) => {
      const { plan, story } = await served(service).planContext(id(r.planId, 'plan_id'));
      const brief = splitBrief(story.brief);
      return {
        planContext: {
          planId: plan.id,
          storyId: story.id,
          title: story.title,
          description: brief.description,
          acceptanceCriteria: [...brief.acceptanceCriteria],
          technicalNotes: '',
          roles: [...plan.roles],
        },
      };
    }),
    createTasks: unary('CreateTasks', async (r) => {
      if (r.commands.length === 0 || r.commands.length > PLANNING_LIMITS.pageMax)
        throw invalidArgument('commands', `1..${PLANNING_LIMITS.pageMax} tasks`, r.commands.length);
      const commands = r.commands.map((c, i) => {
        const at = `commands[${i}]`;
        const role = parseRole(c.assignedRole, `${at}.assigned_role`);
        checkTaskFields(c, at);
        const planId = id(c.planId, `${at}.plan_id`);
        return {
          storyId: id(c.storyId, `${at}.story_id`),
          planId,
          title: c.title.trim(),
          description: c.description,
          type: role,
          assignedTo: role,
          estimatedHours: c.estimatedHours,
          priority: c.priority,
          // The command carries no key of its own: the plan, role and title make one, so a call sent again creates nothing twice.
          requestId: `${planId}:${role}:${c.title.trim()}`,
        };
      });
      return { taskIds: (await served(service).createTasks(commands)).map((t) => t.id) };
    }),
    listStoryTasks: unary('ListStoryTasks', async (r) => ({
      tasks: (await served(service).storyTasks(id(r.storyId, 'story_id'))).map((t) => ({
        taskId: t.id,
        title: t.title,
        priority: t.priority,
        assignedRole: t.type,
      })),
    })),
    saveTaskDependencies: unary('SaveTaskDependencies', async (r) => {
      const edges = r.edges.map((e, i): TaskDependency => ({
        from: id(e.fromTaskId, `edges[${i}].from_task_id`),
        to: id(e.toTaskId, `edges[${i}].to_task_id`),
        reason: checkText(e.reason, `edges[${i}].reason`, PLANNING_LIMITS.textChars, false),
      }));
      await served(service).saveDependencies(id(r.planId, 'plan_id'), id(r.storyId, 'story_id'), edges);
      return { success: true };
    }),
  };
}

// The event the orchestrator acts on, however a client spells it (planning.plan.approved, PLAN_APPROVED, ...).
const PLAN_APPROVED = 'plan.approved';
const eventName = (type: string): string =>
  type
    .trim()
    .toLowerCase()
    .replace(/_/g, '.')
    .replace(/^planning\./, '');

/** The orchestrator's DeriveSubtasks and ProcessPlanningEvent, over task derivation. */
export function derivationHandlers(
  service: TaskDerivationService | undefined,
  log: Log,
): Pick<OrchestratorServiceServer, 'deriveSubtasks' | 'processPlanningEvent'> {
  const unary = unaryCalls(log);
  return {
    deriveSubtasks: unary('DeriveSubtasks', async (r, signal) => {
      const derivation = await served(service).derive({
        planId: id(r.planId, 'plan_id'),
        ...(r.caseId === '' ? {} : { storyId: id(r.caseId, 'case_id') }),
        roles: r.roles.map((role, i) => parseRole(role, `roles[${i}]`)),
        maxTasksPerRole: checkTasksPerRole(r.strategy?.maxTasksPerRole ?? 0, 'strategy.max_tasks_per_role'),
        signal,
      });
      return { tasks: toAtomicTasks(derivation), derivationId: `derivation-${derivation.plan.id}`, totalTasks: derivation.tasks.length };
    }),
    processPlanningEvent: unary('ProcessPlanningEvent', async (r, signal) => {
      if (eventName(r.eventType) !== PLAN_APPROVED)
        return {
          processed: false,
          message: `this orchestrator acts on planning.plan.approved only (it derives the plan's tasks); ${r.eventType || 'an empty event_type'} is not acted on`,
          derivedTaskIds: [],
        };
      const derivation = await served(service).derive({ planId: id(r.planId, 'plan_id'), storyId: id(r.caseId, 'case_id'), signal });
      const ids = derivation.tasks.map((t) => t.id);
      return { processed: true, message: `plan ${derivation.plan.id}: ${ids.length} tasks`, derivedTaskIds: ids };
    }),
  };
}

function toAtomicTasks(d: Derivation): ProtoAtomicTask[] {
  return d.tasks.map((t) => ({
    taskId: t.id,
    role: t.type,
    description: t.description === '' ? t.title : `${t.title}\n\n${t.description}`,
    dependencies: d.dependencies.filter((e) => e.from === t.id).map((e) => e.to),
    constraints: undefined,
    caseId: d.plan.storyId,
    planId: d.plan.id,
    priority: t.priority,
  }));
}
