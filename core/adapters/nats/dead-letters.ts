import { createHash } from 'node:crypto';
import { type JetStreamClient, type JsMsg, jetstream, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import { headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { FleetError, notFound } from '../../domain/errors.js';
import { parseEvent } from './fleet-event.js';
import { STREAM } from './streams.js';

/** Dead letters are stored as the original bytes, with what went wrong in these headers. */
export const DEAD_LETTER_HEADER = {
  reason: 'Fleet-Dlq-Reason',
  field: 'Fleet-Dlq-Field',
  subject: 'Fleet-Dlq-Subject',
  stream: 'Fleet-Dlq-Stream',
  streamSeq: 'Fleet-Dlq-Stream-Seq',
  consumer: 'Fleet-Dlq-Consumer',
  deliveries: 'Fleet-Dlq-Deliveries',
  originalBytes: 'Fleet-Dlq-Original-Bytes',
} as const;

export const DEAD_LETTER_PREFIX = 'dlq.';

export interface DeadLetterInput {
  readonly subject: string;
  readonly data: Uint8Array;
  /** What was wrong: the field and what was expected, or why handling gave up. */
  readonly reason: string;
  readonly field?: string;
  /** Where the message was read from, when it came from a stream. */
  readonly stream?: string;
  readonly streamSeq?: number;
  readonly consumer?: string;
  readonly deliveries?: number;
}

/** A stored dead letter: what was written, and where and when it was stored. */
export interface DeadLetter extends DeadLetterInput {
  /** Sequence in the DEAD_LETTER stream: what `republishDeadLetter` takes. */
  readonly seq: number;
  readonly deadAt: Date;
  /** The original bytes (only their start when `truncated`). */
  readonly data: Uint8Array;
  readonly originalBytes: number;
  readonly truncated: boolean;
}

// Room for the headers: the original may already be as large as the server accepts.
const HEADER_ROOM = 8 * 1024;
const MAX_REASON = 2_000;

/**
 * Copies a message to `dlq.<its subject>`, waiting for the stream's acknowledgement. The message id
 * is the original's stream position and content, so writing the same dead letter twice (a retry after
 * a crash) stores it once. Returns its sequence in DEAD_LETTER.
 */
export async function writeDeadLetter(js: JetStreamClient, letter: DeadLetterInput, maxPayload: number): Promise<number> {
  const h = headers();
  h.set(DEAD_LETTER_HEADER.reason, headerValue(letter.reason).slice(0, MAX_REASON));
  h.set(DEAD_LETTER_HEADER.subject, letter.subject);
  h.set(DEAD_LETTER_HEADER.originalBytes, String(letter.data.length));
  if (letter.field !== undefined) h.set(DEAD_LETTER_HEADER.field, headerValue(letter.field));
  if (letter.stream !== undefined) h.set(DEAD_LETTER_HEADER.stream, letter.stream);
  if (letter.streamSeq !== undefined) h.set(DEAD_LETTER_HEADER.streamSeq, String(letter.streamSeq));
  if (letter.consumer !== undefined) h.set(DEAD_LETTER_HEADER.consumer, letter.consumer);
  if (letter.deliveries !== undefined) h.set(DEAD_LETTER_HEADER.deliveries, String(letter.deliveries));
  const room = Math.max(0, maxPayload - HEADER_ROOM);
  const data = letter.data.length > room ? letter.data.subarray(0, room) : letter.data;
  // The content is part of the id too: a stream deleted and created again reuses its sequences.
  const digest = createHash('sha256').update(letter.subject).update(letter.data).digest('hex').slice(0, 32);
  const msgID =
    letter.stream !== undefined && letter.streamSeq !== undefined ? `dlq.${letter.stream}.${letter.streamSeq}.${digest}` : `dlq.${digest}`;
  const ack = await js.publish(`${DEAD_LETTER_PREFIX}${letter.subject}`, data, { headers: h, msgID });
  return ack.seq;
}

/** Dead-letters a message a consumer refused, with where it was read from and why. */
export function deadLetterMessage(
  js: JetStreamClient,
  m: JsMsg,
  reason: { message: string; field?: string | undefined },
  maxPayload: number,
): Promise<number> {
  return writeDeadLetter(
    js,
    {
      subject: m.subject,
      data: m.data,
      reason: reason.message,
      ...(reason.field === undefined ? {} : { field: reason.field }),
      stream: m.info.stream,
      streamSeq: m.seq,
      consumer: m.info.consumer,
      deliveries: m.info.deliveryCount,
    },
    maxPayload,
  );
}

export interface ListDeadLettersOptions {
  /** The newest this many (default 100), returned oldest first. */
  readonly limit?: number;
  /** Only those whose original subject is this one. */
  readonly subject?: string;
}

/** The dead letters still in the DEAD_LETTER stream. */
export async function listDeadLetters(nc: NatsConnection, options: ListDeadLettersOptions = {}): Promise<DeadLetter[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(STREAM.DEAD_LETTER);
  const limit = options.limit ?? 100;
  const found: DeadLetter[] = [];
  // Newest first, by sequence; removed messages leave gaps.
  for (let seq = state.last_seq; seq >= state.first_seq && seq > 0 && found.length < limit; seq--) {
    const stored = await jsm.streams.getMessage(STREAM.DEAD_LETTER, { seq });
    if (stored === null) continue;
    const letter = toDeadLetter(stored);
    if (options.subject === undefined || letter.subject === options.subject) found.push(letter);
  }
  return found.reverse();
}

/** Throws FleetError NOT_FOUND for a sequence that holds no dead letter. */
async function getDeadLetter(nc: NatsConnection, seq: number): Promise<DeadLetter> {
  const jsm = await jetstreamManager(nc);
  const stored = await jsm.streams.getMessage(STREAM.DEAD_LETTER, { seq });
  if (stored === null) throw notFound('dead letter', String(seq));
  return toDeadLetter(stored);
}

export interface RepublishResult {
  readonly subject: string;
  /** Sequence of the corrected event in its stream. */
  readonly seq: number;
  /** True when this corrected event had already been republished (the stream kept the first). */
  readonly duplicate: boolean;
}

/**
 * Publishes a corrected event in place of dead letter `seq`, to its original subject. The correction,
 * flat or in our envelope, is validated as the consumer will validate it (FleetError INVALID_ARGUMENT naming the field), so a
 * still-broken event does not go round again. Its message id derives from the dead letter and the
 * corrected bytes: republishing the same correction twice stores it once, and it is never mistaken for
 * the original. With `remove`, the dead letter is deleted once the correction is stored.
 */
export async function republishDeadLetter(
  nc: NatsConnection,
  seq: number,
  corrected: Uint8Array | string,
  options: { readonly remove?: boolean } = {},
): Promise<RepublishResult> {
  const letter = await getDeadLetter(nc, seq);
  const data = typeof corrected === 'string' ? new TextEncoder().encode(corrected) : corrected;
  parseEvent(letter.subject, data);
  const msgID = `republished.${seq}.${createHash('sha256').update(data).digest('hex').slice(0, 32)}`;
  let ack;
  try {
    ack = await jetstream(nc).publish(letter.subject, data, { msgID });
  } catch (e) {
    throw new FleetError('UNAVAILABLE', `could not republish dead letter ${seq} to ${letter.subject}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (options.remove === true) await (await jetstreamManager(nc)).streams.deleteMessage(STREAM.DEAD_LETTER, seq);
  return { subject: letter.subject, seq: ack.seq, duplicate: ack.duplicate };
}

function toDeadLetter(stored: StoredMsg): DeadLetter {
  const h: MsgHdrs | undefined = stored.header;
  const get = (key: string): string | undefined => (h?.has(key) === true ? h.get(key) : undefined);
  const num = (key: string): number | undefined => {
    const v = get(key);
    return v === undefined ? undefined : Number(v);
  };
  const originalBytes = num(DEAD_LETTER_HEADER.originalBytes) ?? stored.data.length;
  const field = get(DEAD_LETTER_HEADER.field);
  const stream = get(DEAD_LETTER_HEADER.stream);
  const streamSeq = num(DEAD_LETTER_HEADER.streamSeq);
  const consumer = get(DEAD_LETTER_HEADER.consumer);
  const deliveries = num(DEAD_LETTER_HEADER.deliveries);
  return {
    seq: stored.seq,
    subject: get(DEAD_LETTER_HEADER.subject) ?? stored.subject.slice(DEAD_LETTER_PREFIX.length),
    reason: get(DEAD_LETTER_HEADER.reason) ?? '',
    ...(field === undefined ? {} : { field }),
    ...(stream === undefined ? {} : { stream }),
    ...(streamSeq === undefined ? {} : { streamSeq }),
    ...(consumer === undefined ? {} : { consumer }),
    ...(deliveries === undefined ? {} : { deliveries }),
    deadAt: stored.time,
    data: stored.data,
    originalBytes,
    truncated: originalBytes > stored.data.length,
  };
}

/** Header values are single text lines. */
const headerValue = (value: string): string => value.replace(/[\r\n]+/g, ' ').trim();
