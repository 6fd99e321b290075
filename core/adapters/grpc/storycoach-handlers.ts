import type { StoryCoachServiceServer } from '../../../proto/gen/fleet/storycoach/v1/storycoach.js';
import { FleetError } from '../../domain/errors.js';
import { scoreStory, type StoryText } from '../../domain/story-coach.js';
import type { Log } from '../../ports/log.js';
import type { StoryCoachService } from '../../ports/story-coach.js';
import { unaryCalls } from './unary-call.js';

/**
 * StoryCoachService (fleet.storycoach.v1): the deterministic score, and refining or suggesting a story
 * through the model (without a model here: FAILED_PRECONDITION).
 */
export function storyCoachHandlers(coach: StoryCoachService | undefined, log: Log): StoryCoachServiceServer {
  const unary = unaryCalls(log);
  return {
    // Deterministic: the same story always scores the same, each point taken off explained.
    scoreStory: unary('ScoreStory', (r) => {
      const score = scoreStory({ title: r.title, description: r.description, acceptanceCriteria: r.ac });
      return { total: score.total, findings: score.findings.map((f) => ({ ...f })) };
    }),
    refineStory: unary('RefineStory', async (r) =>
      toWire(await served(coach).refine({ title: r.title, description: r.description, acceptanceCriteria: r.ac })),
    ),
    suggestStory: unary('SuggestStory', async (r) => toWire(await served(coach).suggest(r.goal))),
  };
}

function served(coach: StoryCoachService | undefined): StoryCoachService {
  if (coach === undefined) throw new FleetError('FAILED_PRECONDITION', 'this server runs without a model for StoryCoach');
  return coach;
}

const toWire = (s: StoryText) => ({ title: s.title, description: s.description, ac: [...s.acceptanceCriteria] });
