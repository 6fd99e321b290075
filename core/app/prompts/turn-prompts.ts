import type { Agent } from '../../domain/council.js';
import type { DeliberationResult } from '../../domain/deliberation.js';
import { type Critique, type Proposal, renderContent } from '../../domain/proposal.js';
import type { Task } from '../../domain/task.js';

// Every prompt starts with the task, the part all agents share, and ends with what is particular to
// one agent, so a local engine evaluates the shared prefix once for the whole council.

const taskBlock = (task: Task): string =>
  `Task (${task.role}, id ${task.id}):\n${task.description}` +
  (task.context === undefined ? '' : `\n\nContext of story ${task.storyId ?? ''} (version ${task.context.version}):\n${task.context.text}`);

export function proposePrompt(agent: Agent, task: Task): string {
  return [
    taskBlock(task),
    '',
    'Write your proposal as JSON with: summary, approach, risks, and requirements (one line per stated requirement saying how it is met).',
    `You are agent ${agent.id}; your angle: ${agent.perspective}.`,
  ].join('\n');
}

export function critiquePrompt(reviewer: Agent, task: Task, target: Proposal, round: number): string {
  return [
    taskBlock(task),
    '',
    "Critique a colleague's proposal as JSON with: feedback (what to change and why) and issues (the concrete problems, most important first).",
    `You are agent ${reviewer.id}; your angle: ${reviewer.perspective}. Round ${round}.`,
    `Proposal by ${target.authorId}:`,
    renderContent(target.content),
  ].join('\n');
}

export function revisePrompt(author: Agent, task: Task, proposal: Proposal, critique: Critique): string {
  return [
    taskBlock(task),
    '',
    'Revise your proposal to answer the critique. Reply as JSON with: summary, approach, risks, requirements.',
    `You are agent ${author.id}; your angle: ${author.perspective}.`,
    'Your proposal:',
    renderContent(proposal.content),
    `Critique by ${critique.reviewerId}: ${critique.feedback}`,
    ...critique.issues.map((i) => `- ${i}`),
  ].join('\n');
}

export function judgePrompt(task: Task, proposal: Proposal): string {
  return [
    taskBlock(task),
    '',
    `As an impartial judge, score this proposal 0 to 10 on each of: ${task.constraints.rubric.join(', ')}. Reply as JSON with scores and a one-sentence comment.`,
    `Proposal by ${proposal.authorId}:`,
    renderContent(proposal.content),
  ].join('\n');
}

export function choosePrompt(architect: Agent, task: Task, candidates: readonly DeliberationResult[]): string {
  return [
    taskBlock(task),
    '',
    `You are ${architect.id}, the architect. Choose the proposal to build, among the best ranked. Reply as JSON with chosen_id and a rationale comparing the candidates.`,
    ...candidates.flatMap((c) => [
      `Candidate ${c.proposal.authorId} (rank ${c.rank}, score ${c.score.total.toFixed(2)}):`,
      renderContent(c.proposal.content),
    ]),
  ].join('\n');
}
