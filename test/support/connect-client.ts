import { type Client, Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { DesktopService } from '../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { OrchestratorService } from '../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';

export interface UiClients {
  readonly orchestrator: Client<typeof OrchestratorService>;
  readonly desktop: Client<typeof DesktopService>;
}

/** The daemon's services as the page reaches them: Connect on its UI port, with the launch token (or none). */
export function uiClients(baseUrl: string, token: string | undefined): UiClients {
  const auth: Interceptor = (next) => (request) => {
    if (token !== undefined) request.header.set('authorization', `Bearer ${token}`);
    return next(request);
  };
  const transport = createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: true, interceptors: [auth] });
  return { orchestrator: createClient(OrchestratorService, transport), desktop: createClient(DesktopService, transport) };
}

/** The code and message a call failed with; a call that succeeds fails the test. */
export async function codeOf(call: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await call;
  } catch (e) {
    const error = ConnectError.from(e);
    return { code: error.code, message: error.rawMessage };
  }
  throw new Error('the call succeeded');
}

export { Code };
