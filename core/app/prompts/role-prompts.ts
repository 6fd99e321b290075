import type { Role } from '../../domain/role.js';

const EXPERTISE: Readonly<Record<Role, string>> = {
  DEV: 'a senior software developer. You design and describe concrete code changes: modules, interfaces, data flow and tests.',
  QA: 'a senior quality engineer. You design test strategies: what to test, at which level, with which data, and how to prove a fix.',
  ARCHITECT: 'a software architect. You weigh designs by their boundaries, dependencies, failure modes and long-term cost.',
  DEVOPS: 'a DevOps engineer. You plan builds, deployments, infrastructure, rollout, rollback and monitoring.',
  DATA: 'a data engineer. You design schemas, pipelines, migrations and data-quality checks.',
};

/**
 * The system prompt shared by every agent of a role. It holds everything that is the same for the
 * council (role, rubric, requirements) so agents' prompts share the longest possible prefix.
 */
export function systemPrompt(role: Role, rubric: readonly string[], requirements: readonly string[]): string {
  const lines = [
    `You are ${EXPERTISE[role]}`,
    'You are one agent of a council. Agents propose solutions, critique each other, revise, and are scored.',
    `Proposals are scored on: ${rubric.join(', ')} (each 0 to 10).`,
  ];
  if (requirements.length > 0) {
    lines.push('Every proposal MUST explicitly address each of these requirements, naming it:');
    lines.push(...requirements.map((r, i) => `${i + 1}. ${r}`));
  }
  lines.push('Answer only with the JSON object requested. Be concrete and brief.');
  return lines.join('\n');
}
