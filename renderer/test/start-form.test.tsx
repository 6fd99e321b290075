// @vitest-environment happy-dom
import { Code, ConnectError } from '@connectrpc/connect';
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, it, vi } from 'vitest';
import type { StartDeliberationRequest } from '../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { renderApp } from './fake-daemon.js';

afterEach(cleanup);

const councils = {
  listCouncils: () => ({
    councils: [
      {
        councilId: 'dev-council',
        role: 'DEV',
        numAgents: 2,
        status: 'idle',
        model: 'qwen',
        agents: [{ agentId: 'dev-1', status: 'idle' }],
      },
    ],
  }),
};

it('refuses an empty Task next to the field, announced, and starts nothing', async () => {
  const start = vi.fn(() => ({ taskId: 'never' }));
  renderApp({ orchestrator: councils, desktop: { startDeliberation: start } }, '#/councils');
  await userEvent.click(screen.getByRole('button', { name: 'Start deliberation' }));

  const alert = await screen.findByRole('alert');
  expect(alert.textContent).toMatch(/^Task: describe the work/);
  const task = screen.getByLabelText('Task');
  expect(task.getAttribute('aria-invalid')).toBe('true');
  expect(task.getAttribute('aria-describedby')?.split(' ')).toContain(alert.id);
  expect(start).not.toHaveBeenCalled();
});

it('starts with what was typed and opens the live view', async () => {
  const start = vi.fn((_req: StartDeliberationRequest) => ({ taskId: 'task-42' }));
  renderApp(
    {
      orchestrator: { ...councils, getDeliberationResult: () => ({ status: 2 }), streamDeliberation: async function* () {} },
      desktop: { startDeliberation: start },
    },
    '#/councils',
  );
  expect(await screen.findByText('dev-council')).toBeTruthy();
  await userEvent.type(screen.getByLabelText('Task'), 'Add a cache to the parser');
  await userEvent.selectOptions(screen.getByLabelText('Role'), 'QA');
  await userEvent.type(screen.getByLabelText('Agents'), '2');
  await userEvent.type(screen.getByLabelText('Requirements (one per line)'), 'fast{Enter}safe');
  await userEvent.click(screen.getByRole('checkbox', { name: /Orchestrate/ }));
  await userEvent.click(screen.getByRole('button', { name: 'Start deliberation' }));

  await waitFor(() => expect(window.location.hash).toBe('#/deliberations/task-42'));
  const sent = start.mock.calls[0]?.[0];
  expect(sent?.orchestrate).toBe(true);
  expect(sent?.request).toMatchObject({
    taskDescription: 'Add a cache to the parser',
    role: 'QA',
    numAgents: 2,
    constraints: { requirements: ['fast', 'safe'] },
  });
});

it('shows a server INVALID_ARGUMENT next to the field it names, other errors near the button', async () => {
  let answer = new ConnectError('num_agents: the DEV council has 3 agents, asked for 5', Code.InvalidArgument);
  renderApp(
    {
      orchestrator: councils,
      desktop: {
        startDeliberation: () => {
          throw answer;
        },
      },
    },
    '#/councils',
  );
  await userEvent.type(screen.getByLabelText('Task'), 'Something');
  await userEvent.click(screen.getByRole('button', { name: 'Start deliberation' }));
  const alert = await screen.findByRole('alert');
  expect(alert.textContent).toMatch(/num_agents/);
  expect(screen.getByLabelText('Agents').getAttribute('aria-describedby')).toContain(alert.id);

  answer = new ConnectError('no DEV council: create one first', Code.FailedPrecondition);
  await userEvent.click(screen.getByRole('button', { name: 'Start deliberation' }));
  await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('no DEV council: create one first'));
  expect(screen.getByLabelText('Agents').getAttribute('aria-invalid')).toBe('false');
});
