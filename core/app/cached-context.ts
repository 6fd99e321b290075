import type { ContextCache } from '../ports/context-cache.js';
import type { BuiltContext, ContextReader, ContextRequest } from '../ports/context-service.js';
import type { PlanningEvents } from '../ports/planning-events.js';

/** A story's context built once per graph generation: later requests for the same one are read from the cache. */
export class CachedContextReader implements ContextReader {
  constructor(
    private readonly reader: ContextReader,
    private readonly cache: ContextCache,
  ) {}

  async build(request: ContextRequest): Promise<BuiltContext> {
    // Read before building: a change landing during the build bumps it, leaving this entry unserved.
    const generation = await this.cache.generation(request.storyId);
    const cached = await this.cache.get(request, generation);
    if (cached !== undefined) return cached;
    const built = await this.reader.build(request);
    await this.cache.put(request, generation, built);
    return built;
  }
}

/** Planning's events, each `context.updated` this process announces invalidating the story's cached contexts first. */
export function invalidatingOnUpdate(events: PlanningEvents, cache: ContextCache): PlanningEvents {
  return {
    async publish(type, fields, key) {
      if (type === 'context.updated' && typeof fields['story_id'] === 'string') await cache.invalidate(fields['story_id']);
      await events.publish(type, fields, key);
    },
  };
}
