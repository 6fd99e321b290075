// @vitest-environment happy-dom
import { create } from '@bufbuild/protobuf';
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, it } from 'vitest';
import {
  type CouncilInfo,
  CouncilInfoSchema,
  type CreateCouncilRequest,
  type DeleteCouncilRequest,
} from '../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { renderApp } from './fake-daemon.js';

afterEach(cleanup);

/** Councils kept in memory, changed by create and delete as the daemon would. */
function councilStore() {
  let councils: CouncilInfo[] = [
    create(CouncilInfoSchema, {
      councilId: 'dev-council',
      role: 'DEV',
      numAgents: 2,
      status: 'busy',
      model: 'qwen',
      agents: [{ agentId: 'dev-1', status: 'busy' }],
    }),
  ];
  return {
    listCouncils: () => ({ councils }),
    createCouncil: (req: CreateCouncilRequest) => {
      const council = create(CouncilInfoSchema, {
        councilId: `${req.role.toLowerCase()}-council`,
        role: req.role,
        numAgents: req.numAgents,
        status: 'idle',
        model: 'qwen',
      });
      councils = [...councils, council];
      return { councilId: council.councilId, council };
    },
    deleteCouncil: (req: DeleteCouncilRequest) => {
      councils = councils.filter((c) => c.councilId !== req.councilId);
      return { success: true, councilId: req.councilId };
    },
  };
}

it('lists each role’s councils with model and status, creates and deletes them', async () => {
  renderApp({ orchestrator: councilStore() }, '#/councils');
  expect(await screen.findByText('dev-council')).toBeTruthy();
  expect(screen.getAllByText('busy')).toHaveLength(2);
  expect(screen.getByText('No QA council yet — create one below.')).toBeTruthy();

  await userEvent.selectOptions(screen.getByLabelText('Council for'), 'QA');
  await userEvent.click(screen.getByRole('button', { name: 'Create council' }));
  expect(await screen.findByText('qa-council')).toBeTruthy();
  expect(screen.queryByText('No QA council yet — create one below.')).toBeNull();

  await userEvent.click(screen.getByRole('button', { name: 'Delete council dev-council' }));
  await waitFor(() => expect(screen.queryByText('dev-council')).toBeNull());
  expect(screen.getByText('No DEV council yet — create one below.')).toBeTruthy();
});
