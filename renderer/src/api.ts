import { type Client, Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { ContextService } from '../../proto/gen-es/fleet/context/v1/context_pb.js';
import { DesktopService } from '../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { OrchestratorService } from '../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { PlanningService } from '../../proto/gen-es/fleet/planning/v2/planning_pb.js';
import { StoryCoachService } from '../../proto/gen-es/fleet/storycoach/v1/storycoach_pb.js';

/**
 * Where the daemon's API is and the launch token that opens it. `fleet serve` prints a URL with
 * `?token=`; the desktop shell adds `?api=` (its pages come from app://, the API from loopback). The
 * token is kept for this tab only and taken out of the address bar, so it is not bookmarked or shared.
 */
export interface ApiAccess {
  readonly baseUrl: string;
  readonly token: string;
}

const TOKEN_KEY = 'fleet.token';
const API_KEY = 'fleet.api';

export function readAccess(location: Location, storage: Storage, history: History): ApiAccess {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  const api = params.get('api');
  if (token !== null) storage.setItem(TOKEN_KEY, token);
  if (api !== null) storage.setItem(API_KEY, api);
  if (token !== null || api !== null) {
    params.delete('token');
    params.delete('api');
    const rest = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${rest === '' ? '' : `?${rest}`}${location.hash}`);
  }
  return { baseUrl: storage.getItem(API_KEY) ?? location.origin, token: storage.getItem(TOKEN_KEY) ?? '' };
}

export interface FleetApi {
  readonly orchestrator: Client<typeof OrchestratorService>;
  readonly desktop: Client<typeof DesktopService>;
  /** Projects, epics, stories and tasks; the product owner's approvals and rejections. */
  readonly planning: Client<typeof PlanningService>;
  /** Scores a story's readiness and says what lowers it. */
  readonly storyCoach: Client<typeof StoryCoachService>;
  /** The context graph around a node, and the context a role's prompt would get for a story. */
  readonly context: Client<typeof ContextService>;
}

export function createFleetApi(access: ApiAccess): FleetApi {
  const auth: Interceptor = (next) => (request) => {
    request.header.set('authorization', `Bearer ${access.token}`);
    return next(request);
  };
  const transport = createConnectTransport({ baseUrl: access.baseUrl, useBinaryFormat: true, interceptors: [auth] });
  return {
    orchestrator: createClient(OrchestratorService, transport),
    desktop: createClient(DesktopService, transport),
    planning: createClient(PlanningService, transport),
    storyCoach: createClient(StoryCoachService, transport),
    context: createClient(ContextService, transport),
  };
}

/** An error as a person reads it: the daemon's message, never a stack; a missing token said plainly. */
export function errorText(error: unknown): string {
  const e = ConnectError.from(error);
  if (e.code === Code.Unauthenticated)
    return 'The daemon refused this page: open the address `fleet serve` printed (it carries the token).';
  if (e.code === Code.Unavailable) return `The daemon cannot be reached: ${e.rawMessage}. Is \`fleet serve\` running?`;
  return e.rawMessage;
}
