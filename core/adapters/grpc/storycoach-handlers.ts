import type { StoryCoachServiceServer } from '../../../proto/gen/fleet/storycoach/v1/storycoach.js';
import type { Log } from '../../ports/log.js';
import { unimplemented } from './unary-call.js';

const MISSING = 'the story coach (scoring, refining and suggesting stories) is not served yet (coming in issue 10)';

/**
 * StoryCoachService (fleet.storycoach.v1): scores, refines and suggests stories.
 * Registered under the cluster's name so cluster clients reach it; every rpc answers UNIMPLEMENTED
 * for now. Implementing one replaces its line with a `unaryCalls(log)` handler.
 */
export function storyCoachHandlers(log: Log): StoryCoachServiceServer {
  return {
    scoreStory: unimplemented('ScoreStory', MISSING, log),
    refineStory: unimplemented('RefineStory', MISSING, log),
    suggestStory: unimplemented('SuggestStory', MISSING, log),
  };
}
