import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  jetstream,
  type JetStreamManager,
  jetstreamManager,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { FleetError } from '../../../domain/errors.js';
import { STREAM } from '../streams.js';
import type { Log } from '../../../ports/log.js';
import { requestIdOf, responseSubject, TURN_SUBJECT } from './turn-subjects.js';
import { WaitersByRequest } from './waiters-by-request.js';

export interface CollectedResponse {
  readonly subject: string;
  readonly data: Uint8Array;
}

type Deliver = (response: CollectedResponse) => void;

// A collector whose process died is removed by the server after this long without pulls; one that is
// only cut off for a while (a restart of the server, a network blip) finds its replies waiting.
const INACTIVE_THRESHOLD_MS = 60 * 60_000;

/**
 * Reads every worker reply (`agent.response.turn.>`) from AGENT_RESPONSES through one durable pull
 * consumer and hands each to the turn waiting for its request id. Being durable, replies published
 * while this process was disconnected are delivered when it is back. Replies nobody here waits for
 * (another orchestrator's, or a second reply to a turn already answered) are acknowledged and dropped:
 * the first reply a turn gets is the one it keeps.
 */
export class ResponseCollector {
  private readonly waiting = new WaitersByRequest<CollectedResponse>();
  private messages: ConsumerMessages;
  private closing: Promise<void> | undefined;
  private readonly running: Promise<void>;

  private constructor(
    private readonly jsm: JetStreamManager,
    private readonly consumer: Consumer,
    private readonly config: Partial<ConsumerConfig> & { durable_name: string },
    messages: ConsumerMessages,
    private readonly log: Log,
  ) {
    this.messages = messages;
    this.running = this.run();
  }

  static async start(nc: NatsConnection, durableName: string, log: Log): Promise<ResponseCollector> {
    const config = {
      durable_name: durableName,
      ack_policy: AckPolicy.Explicit,
      // Nothing published before the first turn can be for it; a reply that raced a gap is looked up.
      deliver_policy: DeliverPolicy.New,
      filter_subject: `${TURN_SUBJECT.responsePrefix}>`,
      ack_wait: nanos(30_000),
      inactive_threshold: nanos(INACTIVE_THRESHOLD_MS),
    };
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.consumers.add(STREAM.AGENT_RESPONSES, config);
      const consumer = await jetstream(nc).consumers.get(STREAM.AGENT_RESPONSES, durableName);
      return new ResponseCollector(jsm, consumer, config, await consume(consumer), log);
    } catch (e) {
      throw new FleetError('UNAVAILABLE', `cannot read agent replies from ${STREAM.AGENT_RESPONSES}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** Calls `deliver` with the first reply to `requestId`; the returned function stops waiting. */
  expect(requestId: string, deliver: Deliver): () => void {
    return this.waiting.add(requestId, deliver);
  }

  /**
   * Delivers a reply already stored for `requestId`, if there is one: for a request the stream had
   * seen before (its publish was a duplicate), whose reply may predate this collector.
   */
  async lookup(requestId: string): Promise<void> {
    const stored = await this.jsm.streams
      .getMessage(STREAM.AGENT_RESPONSES, { last_by_subj: responseSubject(requestId) })
      .catch(() => null);
    if (stored !== null) this.dispatch({ subject: stored.subject, data: stored.data });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.messages.close().catch(() => undefined);
      await this.running;
      await this.jsm.consumers.delete(STREAM.AGENT_RESPONSES, this.config.durable_name).catch(() => undefined);
      this.waiting.clear();
    })();
    return this.closing;
  }

  private dispatch(response: CollectedResponse): void {
    const id = requestIdOf(response.subject, TURN_SUBJECT.responsePrefix);
    if (id !== undefined) this.waiting.settle(id, response);
  }

  /** Reads replies until closed, starting over when the server lost the consumer. */
  private async run(): Promise<void> {
    while (this.closing === undefined) {
      const messages = this.messages;
      const lost = this.watchForLoss(messages);
      try {
        for await (const m of messages) {
          this.dispatch({ subject: m.subject, data: m.data });
          try {
            m.ack();
          } catch {
            // The connection is closing; an unacknowledged reply is only delivered again.
          }
        }
      } catch (e) {
        this.log('warn', 'agent reply consumer interrupted', { consumer: this.config.durable_name, error: (e as Error).message });
      }
      if (this.closing !== undefined) return;
      if (!(await lost)) await sleep(1_000);
      await this.restart();
      if (this.closing !== undefined) await this.messages.close().catch(() => undefined);
    }
  }

  /**
   * Ends the read when the consumer is gone (removed after inactivity, or by hand): the client would
   * keep asking the old one for a long while, so the consumer is made again and read afresh instead.
   */
  private async watchForLoss(messages: ConsumerMessages): Promise<boolean> {
    try {
      for await (const status of messages.status()) {
        if (status.type === 'consumer_deleted' || status.type === 'consumer_not_found') {
          await messages.close().catch(() => undefined);
          return true;
        }
      }
    } catch {
      /* the read ended */
    }
    return false;
  }

  private async restart(): Promise<void> {
    for (let attempt = 0; this.closing === undefined; attempt++) {
      try {
        await this.jsm.consumers.add(STREAM.AGENT_RESPONSES, this.config);
        this.messages = await consume(this.consumer);
        this.log('warn', 'agent reply consumer restarted', { consumer: this.config.durable_name });
        // Replies stored while there was no consumer are not delivered by the new one: look them up.
        await Promise.all(this.waiting.ids().map((id) => this.lookup(id)));
        return;
      } catch (e) {
        if (attempt === 0)
          this.log('warn', 'cannot restart the agent reply consumer yet', {
            consumer: this.config.durable_name,
            error: (e as Error).message,
          });
        await sleep(Math.min(1_000 * (attempt + 1), 5_000));
      }
    }
  }
}

const consume = (consumer: Consumer): Promise<ConsumerMessages> => consumer.consume({ max_messages: 256 });
