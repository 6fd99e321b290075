// @vitest-environment happy-dom
import { create } from '@bufbuild/protobuf';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, it } from 'vitest';
import {
  DeliberationSort,
  type DeliberationSummary,
  DeliberationSummarySchema,
  type ListDeliberationsRequest,
} from '../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { DeliberationStatus } from '../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { renderApp } from './fake-daemon.js';

afterEach(cleanup);

const STORED: DeliberationSummary[] = [
  create(DeliberationSummarySchema, {
    taskId: 't-1',
    role: 'DEV',
    description: 'Add a cache to the parser',
    status: DeliberationStatus.COMPLETED,
    winnerId: 'dev-2',
    winnerScore: 0.81,
    durationMs: 42_000n,
    createdAtMs: 1_700_000_000_000n,
  }),
  create(DeliberationSummarySchema, {
    taskId: 't-2',
    role: 'QA',
    description: 'Test the login flow',
    status: DeliberationStatus.FAILED,
    errorMessage: 'every agent failed to propose',
    durationMs: 3000n,
    createdAtMs: 1_700_000_100_000n,
  }),
];

/** Filters as the daemon does, enough for the test: every word in the description, role, status. */
function listDeliberations(seen: ListDeliberationsRequest[]) {
  return (req: ListDeliberationsRequest) => {
    seen.push(req);
    const words = req.query
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => w !== '');
    const rows = STORED.filter(
      (d) =>
        words.every((w) => d.description.toLowerCase().includes(w)) &&
        (req.role === '' || d.role === req.role) &&
        (req.statuses.length === 0 || req.statuses.includes(d.status)),
    );
    return { deliberations: rows, totalCount: rows.length };
  };
}

const rowNames = (): string[] =>
  within(screen.getByRole('table'))
    .getAllByRole('link')
    .map((a) => a.textContent ?? '');

it('lists deliberations, searches by text and filters by role and status', async () => {
  const seen: ListDeliberationsRequest[] = [];
  renderApp({ desktop: { listDeliberations: listDeliberations(seen) } }, '#/deliberations');
  await waitFor(() => expect(rowNames()).toEqual(['Add a cache to the parser', 'Test the login flow']));
  expect(screen.getByText('every agent failed to propose')).toBeTruthy();
  expect(screen.getByRole('link', { name: 'Add a cache to the parser' }).getAttribute('href')).toBe('#/deliberations/t-1');

  await userEvent.type(screen.getByLabelText('Search'), 'login');
  await waitFor(() => expect(rowNames()).toEqual(['Test the login flow']));
  expect(seen.at(-1)?.query).toBe('login');

  await userEvent.clear(screen.getByLabelText('Search'));
  await userEvent.selectOptions(screen.getByLabelText('Role'), 'DEV');
  await waitFor(() => expect(rowNames()).toEqual(['Add a cache to the parser']));

  await userEvent.selectOptions(screen.getByLabelText('Status'), 'failed');
  expect(await screen.findByText(/Nothing matches these filters/)).toBeTruthy();
  expect(seen.at(-1)).toMatchObject({ role: 'DEV', statuses: [DeliberationStatus.FAILED, DeliberationStatus.TIMEOUT] });

  await userEvent.selectOptions(screen.getByLabelText('Sort'), 'longest');
  await waitFor(() => expect(seen.at(-1)?.sort).toBe(DeliberationSort.LONGEST));
});

it('says what to do when there is nothing yet', async () => {
  renderApp({ desktop: { listDeliberations: () => ({ deliberations: [], totalCount: 0 }) } }, '#/deliberations');
  expect(await screen.findByText('No deliberations yet — start one from Councils.')).toBeTruthy();
});
