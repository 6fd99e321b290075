/**
 * Where planning announces each change (NATS `planning.>`, in the cluster's flat form): the event type
 * is its subject, the fields are snake_case as on the wire. Resolves once the event is stored.
 */
export const PLANNING_EVENT_TYPES = [
  'planning.project.created',
  'planning.project.deleted',
  'planning.epic.created',
  'planning.epic.deleted',
  'planning.story.created',
  'planning.story.transitioned',
  'planning.story.deleted',
  'planning.task.created',
  'planning.plan.approved',
  'planning.decision.approved',
  'planning.decision.rejected',
  // A plan's tasks were derived: {story_id, plan_id, task_ids, dependencies: [{from_task_id, to_task_id, reason}]}.
  'planning.tasks.derived',
  // The story's decision graph changed (its context must be rebuilt): {story_id, version}.
  'context.updated',
] as const;
export type PlanningEventType = (typeof PLANNING_EVENT_TYPES)[number];

export interface PlanningEvents {
  /** `key` makes a republished event (a retry) the same event. */
  publish(type: PlanningEventType, fields: Readonly<Record<string, unknown>>, key: string): Promise<void>;
}
