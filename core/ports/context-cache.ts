import type { BuiltContext, ContextRequest } from './context-service.js';

/**
 * Built contexts kept between requests (SQLite here, Valkey in the cluster). Each story has a
 * generation that every change of its graph bumps; an entry counts only under the generation it was
 * built at, so a build that raced a change is never served afterwards.
 */
export interface ContextCache {
  generation(storyId: string): Promise<number>;
  get(request: ContextRequest, generation: number): Promise<BuiltContext | undefined>;
  put(request: ContextRequest, generation: number, built: BuiltContext): Promise<void>;
  /** The story's graph changed: what was built from it before is stale. */
  invalidate(storyId: string): Promise<void>;
  /** Everything dropped: at start, since a crash between a graph write and its announcement left entries stale. */
  clear(): Promise<void>;
}
