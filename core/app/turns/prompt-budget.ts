import { makeAgents } from '../../domain/council.js';
import { FleetError } from '../../domain/errors.js';
import type { Task } from '../../domain/task.js';
import type { LanguageModel } from '../../ports/language-model.js';
import { systemPrompt } from '../prompts/role-prompts.js';
import { proposePrompt } from '../prompts/turn-prompts.js';

/**
 * Tokens a proposal needs at the least: an answer cut shorter is JSON with its sections missing. A
 * larger max_tokens is fine; the engine stops where the context ends.
 */
const MIN_ANSWER_TOKENS = 128;

/**
 * Refuses, before any turn runs, a task whose proposal prompt leaves the model no room to answer.
 * Without the check every agent would fail on its first turn and a FAILED record would be all the
 * user got. Models that cannot count locally are not checked.
 */
export function promptBudget(model: LanguageModel): (task: Task) => void {
  // Read at each check: the daemon's model can be replaced while it serves.
  return (task) => {
    const { contextTokens } = model;
    const count = model.countPromptTokens?.bind(model);
    if (contextTokens === undefined || count === undefined) return;
    const [agent] = makeAgents(task.role, 1);
    const { rubric, requirements, maxTokens } = task.constraints;
    const prompt = count({ system: systemPrompt(task.role, rubric, requirements), prompt: proposePrompt(agent!, task) });
    const answer = Math.min(maxTokens, MIN_ANSWER_TOKENS);
    const needed = prompt + answer;
    if (needed <= contextTokens) return;
    throw new FleetError(
      'INVALID_ARGUMENT',
      `the task does not fit the model: a proposal needs ${needed} tokens (${prompt} of prompt: description, requirements ` +
        `and rubric; ${answer} at the least to answer) and ${model.info.name} holds ${contextTokens}. Shorten the ` +
        'description or the requirements',
      { field: 'task_description' },
    );
  };
}
