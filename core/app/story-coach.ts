import { z } from 'zod';
import { invalidArgument } from '../domain/errors.js';
import { scoreStory, type StoryText } from '../domain/story-coach.js';
import type { JsonSchema, LanguageModel } from '../ports/language-model.js';
import type { StoryCoachService } from '../ports/story-coach.js';
import { parseModelOutput } from './turns/model-output.js';

const STORY_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    title: { type: 'string' },
    description: { type: 'string' },
    acceptance_criteria: { type: 'array', items: { type: 'string' }, maxItems: 8 },
  },
  required: ['title', 'description', 'acceptance_criteria'],
};
const storyOutput = z.object({
  title: z.string().trim().min(1),
  description: z.string().trim().min(1),
  acceptance_criteria: z.array(z.string().trim().min(1)).max(8),
});

const SYSTEM =
  'You are a product coach. You write user stories that meet the Definition of Ready: a short title, a description saying ' +
  'who needs what "so that" which value, and acceptance criteria each written "Given ... When ... Then ..." with an observable outcome. ' +
  'No vague words (fast, easy, robust, etc.). Answer with JSON only.';
const MAX_TOKENS = 600;
const MAX_GOAL_CHARS = 2_000;

/** StoryCoach through the model, with structured output; every answer is checked before it is returned. */
export class StoryCoach implements StoryCoachService {
  constructor(private readonly model: LanguageModel) {}

  async refine(story: StoryText): Promise<StoryText> {
    if (story.title.trim() === '' && story.description.trim() === '')
      throw invalidArgument('title', 'the story to refine (a title or a description)');
    const { findings } = scoreStory(story);
    const prompt = [
      'Rewrite this story so that it meets the Definition of Ready. Keep its intent.',
      `Title: ${story.title}`,
      `Description: ${story.description}`,
      'Acceptance criteria:',
      ...story.acceptanceCriteria.map((c) => `- ${c}`),
      findings.length === 0 ? 'It has no findings; tighten the wording only.' : 'Fix these findings:',
      ...findings.map((f) => `- ${f.code}: ${f.message}`),
    ].join('\n');
    return this.ask(prompt, 'RefineStory');
  }

  async suggest(goal: string): Promise<StoryText> {
    const trimmed = goal.trim();
    if (trimmed === '') throw invalidArgument('goal', 'what the story should achieve');
    if (trimmed.length > MAX_GOAL_CHARS)
      throw invalidArgument('goal', `at most ${MAX_GOAL_CHARS} characters`, `${trimmed.length} characters`);
    return this.ask(`Write one user story for this goal:\n${trimmed}`, 'SuggestStory');
  }

  private async ask(prompt: string, what: string): Promise<StoryText> {
    const result = await this.model.generate({ system: SYSTEM, prompt, jsonSchema: STORY_SCHEMA, maxTokens: MAX_TOKENS, temperature: 0 });
    const out = parseModelOutput(storyOutput, result.text, what);
    return { title: out.title, description: out.description, acceptanceCriteria: out.acceptance_criteria };
  }
}
