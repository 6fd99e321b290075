import type { StoryText } from '../domain/story-coach.js';

/** StoryCoach's model-backed help: a story rewritten to meet the Definition of Ready, or one drafted from a goal. */
export interface StoryCoachService {
  refine(story: StoryText): Promise<StoryText>;
  suggest(goal: string): Promise<StoryText>;
}
