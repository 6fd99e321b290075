import type { handleServerStreamingCall } from '@grpc/grpc-js';
import type { DeliberateRequest, DeliberationUpdate } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { isTerminal } from '../../domain/deliberation.js';
import type { DeliberationEvent } from '../../domain/events.js';
import type { DeliberationService } from '../../ports/deliberation-service.js';
import { callSignal } from './call-signal.js';
import type { Log } from '../../ports/log.js';
import { toStreamStart } from './request-mapping.js';
import { deliberationUpdates } from './deliberation-updates.js';
import type { ServerFacts } from './response-mapping.js';
import { toGrpcError } from './status-codes.js';
import { checkDecoded } from './undecodable-requests.js';

const METHOD = 'StreamDeliberation';

/**
 * Streams a deliberation's events and ends after the finished one. The stream ends exactly once,
 * whichever comes first: the finished event, the deliberation's own result or error, or the client
 * going away (which aborts the deliberation this call started and unsubscribes from one it watched).
 */
export function streamDeliberation(
  service: DeliberationService,
  facts: ServerFacts,
  log: Log,
): handleServerStreamingCall<DeliberateRequest, DeliberationUpdate> {
  return (call) => {
    const { signal, dispose } = callSignal(call);
    const updates = deliberationUpdates(facts);
    let ended = false;
    let unsubscribe = (): void => {};

    const end = (error?: unknown): void => {
      if (ended) return;
      ended = true;
      unsubscribe();
      dispose();
      if (error === undefined) call.end();
      else call.emit('error', toGrpcError(error, METHOD, log));
    };
    const onEvent = (event: DeliberationEvent): void => {
      if (ended) return;
      call.write(updates.update(event));
      if (event.type === 'finished') end();
    };
    signal.addEventListener('abort', () => end(signal.reason), { once: true });
    const follow = async (taskId: string): Promise<void> => {
      // Subscribe before reading, so a deliberation finishing in between is still seen.
      unsubscribe = await service.watch(taskId, onEvent);
      if (ended) unsubscribe();
      const d = await service.getDeliberation(taskId);
      if (isTerminal(d.status) && !ended) {
        call.write(updates.finished(d, d.finishedAtMs ?? facts.now()));
        end();
      } else if (d.currentPhase !== undefined && !ended) {
        // A follower that joins late learns at once where the deliberation is, not at the next phase.
        call.write(updates.update({ type: 'phase', taskId: d.taskId, atMs: facts.now(), phase: d.currentPhase }));
      }
    };

    try {
      checkDecoded(call.request, METHOD);
      const start = toStreamStart(call.request);
      if (start.kind === 'start') {
        service
          .deliberate(start.command, { signal, onEvent })
          .then((d) => onEvent({ type: 'finished', taskId: d.taskId, atMs: d.finishedAtMs ?? facts.now(), deliberation: d }), end);
        return;
      }
      void follow(start.taskId).catch(end);
    } catch (error) {
      end(error);
    }
  };
}
