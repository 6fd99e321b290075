import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type FleetEvent, parseEvent } from '../../../core/adapters/nats/fleet-event.js';
import { FleetError } from '../../../core/domain/errors.js';

// The flat form: one JSON object, its fields at the top level, as the cluster's Python services publish.

const APPROVED = 'planning.plan.approved';
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const read = (subject: string, value: unknown): FleetEvent => parseEvent(subject, bytes(value));
/** What the cluster's planning service publishes. */
const approval = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  story_id: 's-1',
  plan_id: 'p-1',
  approved_by: 'po@example.com',
  roles: ['DEV', 'QA'],
  timestamp: '2025-06-01T10:00:00.123456',
  ...extra,
});

function rejection(subject: string, value: unknown): FleetError {
  try {
    read(subject, value);
  } catch (e) {
    expect(e).toBeInstanceOf(FleetError);
    expect((e as FleetError).code).toBe('INVALID_ARGUMENT');
    return e as FleetError;
  }
  throw new Error('expected the event to be refused');
}

describe('flat events', () => {
  it("reads the cluster's plan approval, known by its plan so that the same approval sent again is the same event", () => {
    const event = read(APPROVED, approval());
    expect(event).toEqual({
      form: 'flat',
      type: APPROVED,
      eventId: 'planning.plan.approved:p-1',
      occurredAtMs: Date.UTC(2025, 5, 1, 10, 0, 0, 123),
      correlationId: 'p-1',
      fields: { story_id: 's-1', plan_id: 'p-1', approved_by: 'po@example.com', roles: ['DEV', 'QA'] },
    });
    expect(read(APPROVED, approval({ timestamp: '2025-06-02T08:00:00Z' })).eventId).toBe(event.eventId);
  });

  it("reads the dashboard's extra fields: title and description are kept, its own type and complexity let go", () => {
    const dashboard = approval({ type: 'plan.approved', title: 'Rate limiter', description: 'Token bucket per key', complexity: 'M' });
    expect(read(APPROVED, dashboard).fields).toEqual({
      story_id: 's-1',
      plan_id: 'p-1',
      approved_by: 'po@example.com',
      roles: ['DEV', 'QA'],
      title: 'Rate limiter',
      description: 'Token bucket per key',
    });
  });

  it('takes roles as optional: absent, null or empty is a plan naming none', () => {
    for (const roles of [undefined, null, []]) expect(read(APPROVED, approval({ roles })).fields).toMatchObject({ roles: [] });
  });

  it.each([
    ['without a zone, as UTC', '2025-06-01T10:00:00', Date.UTC(2025, 5, 1, 10)],
    ['with Z', '2025-06-01T10:00:00Z', Date.UTC(2025, 5, 1, 10)],
    ['with an offset', '2025-06-01T12:00:00+02:00', Date.UTC(2025, 5, 1, 10)],
    ['as epoch seconds', 1748772000, Date.UTC(2025, 5, 1, 10)],
    ['as fractional epoch seconds', 1748772000.25, Date.UTC(2025, 5, 1, 10, 0, 0, 250)],
  ])('takes a timestamp %s', (_what, timestamp, ms) => {
    expect(read(APPROVED, approval({ timestamp })).occurredAtMs).toBe(ms);
  });

  it.each([
    ['garbage', 'yesterday', /^timestamp: expected an ISO 8601 date-time \(UTC when it names no zone\) or epoch seconds, got "yesterday"$/],
    ['a date without a time', '2025-06-01', /^timestamp: expected an ISO 8601 date-time/],
    ['epoch milliseconds', 1748772000000, /^timestamp: expected .* or epoch seconds, got number 1748772000000$/],
    ['a boolean', true, /^timestamp: expected .*, got boolean true$/],
    ['nothing', undefined, /^timestamp: expected .*, got nothing \(missing\)$/],
  ])('refuses %s for a timestamp, naming it', (_what, timestamp, message) => {
    const error = rejection(APPROVED, approval({ timestamp }));
    expect(error.field).toBe('timestamp');
    expect(error.message).toMatch(message);
  });

  it('names the fields at fault at the top level, all of them at once', () => {
    const missing = rejection(APPROVED, approval({ plan_id: undefined }));
    expect(missing.message).toBe('plan_id: expected a string, got nothing (missing)');
    expect(missing.field).toBe('plan_id');

    const several = rejection(APPROVED, { plan_id: 'p-1', roles: ['DEV', 'PM'], timestamp: 'soon' });
    expect(several.message.split('; ')).toEqual([
      'story_id: expected a string, got nothing (missing)',
      'approved_by: expected a string, got nothing (missing)',
      'roles[1]: expected one of DEV, QA, ARCHITECT, DEVOPS, DATA, got "PM"',
      expect.stringMatching(/^timestamp: expected .*, got "soon"$/),
    ]);
  });

  it('tells an envelope from a flat event by its event_id and payload', () => {
    // Only a payload: flat, and the plan's fields are missing from the top level.
    expect(rejection(APPROVED, { payload: approval(), timestamp: 1 }).field).toBe('plan_id');
    // An event_id and a payload: an envelope, refused as one when its payload is not an object.
    const envelope = { event_id: 'e', type: APPROVED, occurred_at: '2025-06-01T10:00:00Z', correlation_id: 'c', payload: 'x' };
    expect(rejection(APPROVED, envelope).message).toBe('payload: expected a JSON object, got "x"');
  });

  it('refuses an event_type that is not the subject it came on', () => {
    const error = rejection(APPROVED, approval({ event_type: 'planning.plan.rejected' }));
    expect(error.message).toBe(
      'event_type: expected "planning.plan.approved" (the subject it was published on), got "planning.plan.rejected"',
    );
  });

  it("reads a story's transition, all of its fields required, known by the story, the phases and when", () => {
    const moved = { story_id: 's-1', from_phase: 'DESIGN', to_phase: 'BUILD', timestamp: 1748772000 };
    expect(read('planning.story.transitioned', moved)).toMatchObject({
      eventId: `planning.story.transitioned:s-1:DESIGN:BUILD:${Date.UTC(2025, 5, 1, 10)}`,
      correlationId: 's-1',
      fields: { story_id: 's-1', from_phase: 'DESIGN', to_phase: 'BUILD' },
    });
    expect(rejection('planning.story.transitioned', { ...moved, to_phase: undefined }).message).toBe(
      'to_phase: expected a string, got nothing (missing)',
    );
    expect(rejection('planning.story.transitioned', { ...moved, timestamp: undefined }).field).toBe('timestamp');
  });

  it("reads the context service's update, which carries no time", () => {
    const event = read('context.updated', { story_id: 's-1', version: 4 });
    expect(event).toEqual({
      form: 'flat',
      type: 'context.updated',
      eventId: 'context.updated:s-1:4',
      correlationId: 's-1',
      fields: { story_id: 's-1', version: 4 },
    });
    expect(rejection('context.updated', { story_id: 's-1', version: 'v4' }).message).toBe('version: expected a number, got "v4"');
  });

  it('takes any object of a type it does not know, known by its bytes when it names no id', () => {
    const note = { text: 'hello', at: 3 };
    const digest = createHash('sha256').update(bytes(note)).digest('hex').slice(0, 32);
    expect(read('context.note', note)).toEqual({ form: 'flat', type: 'context.note', eventId: `context.note:${digest}`, fields: note });
    expect(read('context.note', { ...note, event_id: 'n-1', correlation_id: 'c-1' })).toMatchObject({
      eventId: 'n-1',
      correlationId: 'c-1',
      fields: note,
    });
    expect(rejection('context.note', ['not', 'an', 'object']).message).toBe('event: expected a JSON object, got an array of 3');
  });
});
