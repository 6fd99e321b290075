import type { StoryCoachServiceServer } from '../../../proto/gen/fleet/storycoach/v1/storycoach.js';
import { scoreStory } from '../../domain/story-coach.js';
import type { Log } from '../../ports/log.js';
import { unaryCalls, unimplemented } from './unary-call.js';

const MISSING = 'refining and suggesting stories through the model are not served yet (coming in issue 10)';

/** StoryCoachService (fleet.storycoach.v1): scores stories; refining and suggesting answer UNIMPLEMENTED for now. */
export function storyCoachHandlers(log: Log): StoryCoachServiceServer {
  const unary = unaryCalls(log);
  return {
    // Deterministic: the same story always scores the same, each point taken off explained.
    scoreStory: unary('ScoreStory', (r) => {
      const score = scoreStory({ title: r.title, description: r.description, acceptanceCriteria: r.ac });
      return { total: score.total, findings: score.findings.map((f) => ({ ...f })) };
    }),
    refineStory: unimplemented('RefineStory', MISSING, log),
    suggestStory: unimplemented('SuggestStory', MISSING, log),
  };
}
