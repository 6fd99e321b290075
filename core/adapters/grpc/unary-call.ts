import { status, type handleUnaryCall, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { silentLog, type Log } from '../../ports/log.js';
import { callSignal } from './call-signal.js';
import { toGrpcError } from './status-codes.js';
import { checkDecoded } from './undecodable-requests.js';

/**
 * Unary handlers of one shape for every service: the request checked as decoded, the body run with a
 * signal that aborts when the client goes away, any error mapped to a status once, here.
 */
export const unaryCalls =
  (log: Log) =>
  <Req, Res>(method: string, run: (request: Req, signal: AbortSignal) => Res | Promise<Res>): handleUnaryCall<Req, Res> =>
  (call, callback) => {
    answer(call, callback, method, run, log).catch((error: unknown) =>
      log('error', `${method}: could not send the answer`, { error: String(error) }),
    );
  };

async function answer<Req, Res>(
  call: ServerUnaryCall<Req, Res>,
  callback: sendUnaryData<Res>,
  method: string,
  run: (request: Req, signal: AbortSignal) => Res | Promise<Res>,
  log: Log,
): Promise<void> {
  const { signal, dispose } = callSignal(call);
  let response: Res;
  try {
    checkDecoded(call.request, method);
    response = await run(call.request, signal);
  } catch (error) {
    dispose();
    callback(toGrpcError(error, method, log));
    return;
  }
  dispose();
  callback(null, response);
}

/**
 * An rpc this daemon does not serve (yet): UNIMPLEMENTED, naming the rpc and what is missing, so a
 * cluster client learns which part of the cluster it asked for. Replace it with a `unaryCalls` handler
 * when the rpc is implemented.
 */
export const unimplemented =
  (method: string, missing: string, log: Log = silentLog): handleUnaryCall<unknown, never> =>
  (_call, callback) => {
    log('debug', `${method}: answered UNIMPLEMENTED`, { missing });
    callback({ code: status.UNIMPLEMENTED, details: `${method} is not implemented by this daemon: ${missing}` });
  };
