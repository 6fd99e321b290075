// @vitest-environment happy-dom
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, it } from 'vitest';
import {
  type RepublishDeadLetterRequest,
  type WatchEventsRequest,
  type WatchEventsResponse,
  WatchEventsResponseSchema,
} from '../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { Channel, renderApp } from './fake-daemon.js';

afterEach(cleanup);

const event = (seq: number, eventType: string, taskId = ''): WatchEventsResponse =>
  create(WatchEventsResponseSchema, {
    stream: 'ORCHESTRATION',
    subject: `orchestration.deliberation.${eventType}`,
    seq: BigInt(seq),
    storedAtMs: 1_700_000_000_000n,
    eventType,
    form: 'envelope',
    fieldsJson: JSON.stringify({ task_id: taskId, n: seq }),
    taskId,
  });

function daemon(streams: Channel<WatchEventsResponse>[], watched: WatchEventsRequest[], republished: RepublishDeadLetterRequest[] = []) {
  return {
    desktop: {
      watchEvents: (req: WatchEventsRequest) => {
        watched.push(req);
        const stream = new Channel<WatchEventsResponse>();
        streams.push(stream);
        return stream;
      },
      listDeadLetters: () => ({
        deadLetters: [
          {
            seq: 7n,
            subject: 'planning.story.transitioned',
            reason: 'invalid event',
            field: 'story_id',
            original: new TextEncoder().encode('{"story_id":""}'),
            deliveries: 3,
          },
        ],
      }),
      republishDeadLetter: (req: RepublishDeadLetterRequest) => {
        republished.push(req);
        const body = JSON.parse(new TextDecoder().decode(req.corrected)) as { story_id?: string };
        if (body.story_id === '') throw new ConnectError('story_id: must not be empty', Code.InvalidArgument);
        return { subject: 'planning.story.transitioned', seq: 12n };
      },
    },
  };
}

it('shows events as they come, holds them while paused and loses none on resume', async () => {
  const streams: Channel<WatchEventsResponse>[] = [];
  const watched: WatchEventsRequest[] = [];
  renderApp(daemon(streams, watched), '#/events');
  await waitFor(() => expect(streams).toHaveLength(1));
  streams[0]!.push(event(1, 'started', 't-5'));
  const feed = await screen.findByRole('list', { name: 'Event feed' });
  await waitFor(() => expect(within(feed).getByText('started')).toBeTruthy());
  expect(within(feed).getByRole('link', { name: 'deliberation t-5' }).getAttribute('href')).toBe('#/deliberations/t-5');

  await userEvent.click(screen.getByRole('button', { name: 'Pause' }));
  streams[0]!.push(event(2, 'scored'));
  streams[0]!.push(event(3, 'finished'));
  await waitFor(() => expect(screen.getByText('Paused: 2 new events held')).toBeTruthy());
  expect(within(feed).queryByText('scored')).toBeNull();

  await userEvent.click(screen.getByRole('button', { name: 'Resume' }));
  await waitFor(() => expect(within(feed).getByText('scored')).toBeTruthy());
  expect(
    within(feed)
      .getAllByRole('listitem')
      .map((li) => li.querySelector('strong')?.textContent),
  ).toEqual(['finished', 'scored', 'started']);
});

it('watches the subjects typed in the filter', async () => {
  const streams: Channel<WatchEventsResponse>[] = [];
  const watched: WatchEventsRequest[] = [];
  renderApp(daemon(streams, watched), '#/events');
  await userEvent.type(screen.getByLabelText('Subjects'), 'planning.> agent.*');
  await userEvent.click(screen.getByRole('button', { name: 'Watch' }));
  await waitFor(() => expect(watched.at(-1)?.subjects).toEqual(['planning.>', 'agent.*']));
});

it('republishes a corrected dead letter and shows an error naming the field', async () => {
  const republished: RepublishDeadLetterRequest[] = [];
  renderApp(daemon([], [], republished), '#/events');
  const box = await screen.findByLabelText('Corrected event #7 (JSON)');
  expect(screen.getByText('invalid event (field story_id)')).toBeTruthy();
  await userEvent.click(screen.getByRole('button', { name: 'Republish #7' }));
  expect(await screen.findByText('story_id: must not be empty')).toBeTruthy();

  await userEvent.clear(box);
  await userEvent.type(box, '{{"story_id":"s-1"}');
  await userEvent.click(screen.getByRole('button', { name: 'Republish #7' }));
  expect(await screen.findByText('Republished to planning.story.transitioned as #12.')).toBeTruthy();
  expect(republished.at(-1)?.remove).toBe(true);
});
