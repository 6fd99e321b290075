import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { createClient, createRouterTransport, type ServiceImpl } from '@connectrpc/connect';
import { render, type RenderResult } from '@testing-library/react';
import { ContextService } from '../../proto/gen-es/fleet/context/v1/context_pb.js';
import { DesktopService } from '../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import {
  DeliberationStatus,
  type DeliberationUpdate,
  DeliberationUpdateSchema,
  OrchestratorService,
} from '../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { PlanningService } from '../../proto/gen-es/fleet/planning/v2/planning_pb.js';
import { StoryCoachService } from '../../proto/gen-es/fleet/storycoach/v1/storycoach_pb.js';
import type { FleetApi } from '../src/api.js';
import { App } from '../src/app/App.js';

/** An in-memory daemon: only the rpcs a test gives exist; the others answer UNIMPLEMENTED. */
export interface FakeDaemon {
  readonly orchestrator?: Partial<ServiceImpl<typeof OrchestratorService>>;
  readonly desktop?: Partial<ServiceImpl<typeof DesktopService>>;
  readonly planning?: Partial<ServiceImpl<typeof PlanningService>>;
  readonly storyCoach?: Partial<ServiceImpl<typeof StoryCoachService>>;
  readonly context?: Partial<ServiceImpl<typeof ContextService>>;
}

export function fakeApi(daemon: FakeDaemon): FleetApi {
  const transport = createRouterTransport((router) => {
    router.service(OrchestratorService, daemon.orchestrator ?? {});
    router.service(DesktopService, daemon.desktop ?? {});
    router.service(PlanningService, daemon.planning ?? {});
    router.service(StoryCoachService, daemon.storyCoach ?? {});
    router.service(ContextService, daemon.context ?? {});
  });
  return {
    orchestrator: createClient(OrchestratorService, transport),
    desktop: createClient(DesktopService, transport),
    planning: createClient(PlanningService, transport),
    storyCoach: createClient(StoryCoachService, transport),
    context: createClient(ContextService, transport),
  };
}

export function renderApp(daemon: FakeDaemon, hash: string, options: { readonly tokenMissing?: boolean } = {}): RenderResult {
  window.location.hash = hash;
  return render(<App api={fakeApi(daemon)} tokenMissing={options.tokenMissing ?? false} />);
}

/** A stream the test feeds one message at a time, so it can look at the page between them. */
export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

export const update = (fields: MessageInitShape<typeof DeliberationUpdateSchema>): DeliberationUpdate =>
  create(DeliberationUpdateSchema, { taskId: 't-1', atMs: 1_700_000_000_000n, ...fields });

export { DeliberationStatus };
