// @vitest-environment happy-dom
import { Code, ConnectError } from '@connectrpc/connect';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, it, vi } from 'vitest';
import type { CancelDeliberationRequest } from '../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { type DeliberationUpdate, UpdateType } from '../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { Channel, DeliberationStatus, renderApp, update } from './fake-daemon.js';

afterEach(cleanup);

/** A daemon with one running deliberation whose updates the test sends. */
function running() {
  const updates = new Channel<DeliberationUpdate>();
  const cancel = vi.fn((_req: CancelDeliberationRequest) => ({ cancelled: true, status: DeliberationStatus.IN_PROGRESS }));
  const daemon = {
    orchestrator: {
      getDeliberationResult: () => {
        throw new ConnectError('not stored yet', Code.NotFound);
      },
      streamDeliberation: () => updates,
    },
    desktop: { cancelDeliberation: cancel },
  };
  return { updates, cancel, daemon };
}

const agent = (currentAgent: string, state: string, text = '', phase = 'propose') =>
  update({ type: UpdateType.AGENT, currentAgent, phase, state, text, tokens: text.length, tokensPerSecond: 20 });

it('streams each agent’s text into its own column and names the winner', async () => {
  const { updates, daemon } = running();
  renderApp(daemon, '#/deliberations/t-1');
  updates.push(update({ type: UpdateType.STATUS, deliberationStatus: DeliberationStatus.IN_PROGRESS }));
  updates.push(update({ type: UpdateType.PHASE, phase: 'propose' }));
  updates.push(agent('dev-1', 'started'));
  updates.push(agent('dev-2', 'started'));
  updates.push(agent('dev-1', 'progress', 'Cache the '));

  const dev1 = await screen.findByRole('region', { name: 'dev-1' });
  await waitFor(() => expect(dev1.textContent).toContain('Cache the'));
  updates.push(agent('dev-1', 'progress', 'parsed tree.'));
  updates.push(agent('dev-2', 'progress', 'Memoise the lexer.'));
  await waitFor(() => expect(dev1.textContent).toContain('Cache the parsed tree.'));
  const dev2 = screen.getByRole('region', { name: 'dev-2' });
  await waitFor(() => expect(dev2.textContent).toContain('Memoise the lexer.'));
  expect(dev1.textContent).not.toContain('Memoise');

  updates.push(update({ type: UpdateType.PHASE, phase: 'critique', round: 1 }));
  updates.push(agent('dev-1:dev-2', 'progress', 'The lexer is not the bottleneck.', 'critique'));
  await waitFor(() => expect(within(dev1).getByText(/about dev-2/)).toBeTruthy());
  expect(screen.getByRole('status').textContent).toBe('running: critique 1');
  // The same critique, live, beside the proposal it is about.
  const beside = within(dev2).getByText('Critique from dev-1 (round 1)').closest('aside')!;
  expect(beside.textContent).toContain('The lexer is not the bottleneck.');
  updates.push(agent('dev-1:dev-2', 'progress', ' Measure first.', 'critique'));
  await waitFor(() => expect(beside.textContent).toContain('The lexer is not the bottleneck. Measure first.'));
  expect(within(dev1).queryByText(/^Critique from/)).toBeNull();

  const scored = (author: string, score: number) => ({
    proposal: { authorId: author, content: `${author} final` },
    score,
    rubricScore: 0.9,
    checksScore: 0.4,
    rank: 0,
  });
  updates.push(update({ type: UpdateType.SCORED, partialResult: scored('dev-1', 0.72) }));
  updates.push(
    update({
      type: UpdateType.FINISHED,
      deliberationStatus: DeliberationStatus.COMPLETED,
      result: {
        winnerId: 'dev-1',
        status: DeliberationStatus.COMPLETED,
        results: [
          { ...scored('dev-1', 0.72), rank: 1 },
          { ...scored('dev-2', 0.6), rank: 2 },
        ],
      },
    }),
  );
  updates.close();

  expect(await screen.findByText('Winner: dev-1')).toBeTruthy();
  expect(screen.getByText('Margin over the runner-up (dev-2): +0.12')).toBeTruthy();
  expect(screen.getByText('Decided by highest combined score')).toBeTruthy();
  expect(screen.getAllByText(/Judge and checks disagree/)).toHaveLength(2);
  expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull();
  expect(screen.getByRole('button', { name: 'choose' }).getAttribute('aria-pressed')).toBe('true');
});

it('says running and the phase when it joins while agents already stream, not connecting', async () => {
  const { updates, daemon } = running();
  renderApp(daemon, '#/deliberations/t-1');
  updates.push(agent('dev-1', 'progress', 'Half a proposal'));
  const dev1 = await screen.findByRole('region', { name: 'dev-1' });
  await waitFor(() => expect(dev1.textContent).toContain('Half a proposal'));
  expect(screen.getByRole('status').textContent).toBe('running: propose');
  expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();
});

it('Stop says cancelling until the daemon says the deliberation was cancelled', async () => {
  const { updates, cancel, daemon } = running();
  renderApp(daemon, '#/deliberations/t-1');
  updates.push(update({ type: UpdateType.STATUS, deliberationStatus: DeliberationStatus.IN_PROGRESS }));
  updates.push(update({ type: UpdateType.PHASE, phase: 'propose' }));
  await waitFor(() => expect(screen.getByRole('status').textContent).toBe('running: propose'));

  await userEvent.click(screen.getByRole('button', { name: 'Stop' }));
  await waitFor(() => expect(cancel).toHaveBeenCalledTimes(1));
  expect(cancel.mock.calls[0]?.[0].taskId).toBe('t-1');
  expect(screen.getByRole('status').textContent).toBe('cancelling');
  expect(screen.getByRole('button', { name: 'Stop' }).hasAttribute('disabled')).toBe(true);

  updates.push(
    update({
      type: UpdateType.FINISHED,
      deliberationStatus: DeliberationStatus.CANCELLED,
      message: 'stopped',
      result: { status: DeliberationStatus.CANCELLED },
    }),
  );
  updates.close();
  await waitFor(() => expect(screen.getByRole('status').textContent).toBe('cancelled'));
  expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull();
});

it('shows an agent’s failure in words in its column', async () => {
  const { updates, daemon } = running();
  renderApp(daemon, '#/deliberations/t-1');
  updates.push(update({ type: UpdateType.PHASE, phase: 'propose' }));
  updates.push(agent('dev-3', 'started'));
  updates.push(
    update({
      type: UpdateType.AGENT_FAILED,
      currentAgent: 'dev-3',
      phase: 'propose',
      code: 'DEADLINE_EXCEEDED',
      message: 'the turn took over 120 s',
    }),
  );
  const dev3 = await screen.findByRole('region', { name: 'dev-3' });
  await waitFor(() => expect(dev3.textContent).toContain('Failed in propose (DEADLINE_EXCEEDED): the turn took over 120 s'));
});

it('replays a finished deliberation from its record with a phase scrubber', async () => {
  renderApp(
    {
      orchestrator: {
        getDeliberationResult: () => ({
          taskId: 't-old',
          status: DeliberationStatus.COMPLETED,
          winnerId: 'dev-2',
          results: [
            {
              proposal: {
                authorId: 'dev-2',
                content: 'Use a cache with a TTL',
                original: 'Use a cache forever',
                revisionHistory: [
                  { round: 1, content: 'Use a cache with a TTL', critique: { reviewerId: 'dev-1', feedback: 'Say when it expires' } },
                ],
              },
              score: 0.8,
              rank: 1,
            },
            { proposal: { authorId: 'dev-1', content: 'Use a cache' }, score: 0.7, rank: 2 },
          ],
          detail: { orchestrated: true, decision: { chosenId: 'dev-2', rationale: 'it expires', candidates: ['dev-2', 'dev-1'] } },
        }),
      },
    },
    '#/deliberations/t-old',
  );
  expect(await screen.findByText('Winner: dev-2')).toBeTruthy();
  expect(screen.getByText("Decided by the ARCHITECT's choice among dev-2, dev-1: it expires")).toBeTruthy();
  const dev2 = screen.getByRole('region', { name: 'dev-2' });
  expect(within(dev2).getByText('Critique from dev-1 (round 1)')).toBeTruthy();
  // The first revision is compared with the first version the record keeps.
  expect(within(dev2).getByText('Use a cache forever')).toBeTruthy();
  const diff = within(dev2).getByText('What revision 1 changed').closest('figure')!;
  expect([...diff.querySelectorAll('del')].map((d) => d.textContent)).toEqual(['forever']);
  expect([...diff.querySelectorAll('ins')].map((d) => d.textContent)).toEqual(['with a TTL']);
  expect(screen.queryByText(/first version/i)).toBeNull();

  await userEvent.click(screen.getByRole('button', { name: 'propose' }));
  expect(screen.queryByText('Winner: dev-2')).toBeNull();
  expect(within(dev2).queryByText(/^revise/)).toBeNull();
  expect(within(screen.getByRole('region', { name: 'dev-1' })).getByText('Use a cache')).toBeTruthy();
  await userEvent.click(screen.getByRole('button', { name: 'revise' }));
  expect(within(dev2).getByText(/^revise 1/)).toBeTruthy();
  expect(screen.queryByText('Winner: dev-2')).toBeNull();
});
