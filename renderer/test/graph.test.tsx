// @vitest-environment happy-dom
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, it, vi } from 'vitest';
import {
  type GetContextRequest,
  type GetGraphRelationshipsRequest,
  GetGraphRelationshipsResponseSchema,
  type GraphNode,
  GraphNodeSchema,
} from '../../proto/gen-es/fleet/context/v1/context_pb.js';
import { StorySchema } from '../../proto/gen-es/fleet/planning/v2/planning_pb.js';
import { hrefOf, parseHash } from '../src/app/route.js';
import { renderApp } from './fake-daemon.js';

afterEach(cleanup);

const node = (type: string, id: string, title: string, updatedAt = ''): GraphNode =>
  create(GraphNodeSchema, { id, type, title, labels: [type], properties: { updated_at: updatedAt } });

const PROJECT = node('Project', 'p-1', 'Billing');
const EPIC = node('Epic', 'e-1', 'Invoices');
const STORY = node('Story', 's-1', 'Export invoices as CSV');
const OLD = node('Decision', 'd-1', 'Write CSV by hand', '2026-01-01T00:00:00.000Z');
const NEW = node('Decision', 'd-2', 'Use a CSV library', '2026-02-01T00:00:00.000Z');
const ALL = [PROJECT, EPIC, STORY, OLD, NEW];

const EDGES = [
  { fromNodeId: 'p-1', toNodeId: 'e-1', type: 'CONTAINS' },
  { fromNodeId: 'e-1', toNodeId: 's-1', type: 'CONTAINS' },
  { fromNodeId: 'd-1', toNodeId: 's-1', type: 'AFFECTS' },
  { fromNodeId: 'd-2', toNodeId: 's-1', type: 'AFFECTS' },
  { fromNodeId: 'd-2', toNodeId: 'd-1', type: 'SUPERSEDES' },
];

/** The graph of one story kept in memory: depth 1 reaches the epic and the decisions, deeper the project too. */
function contextStore() {
  const neighbourhood = vi.fn((req: GetGraphRelationshipsRequest) => {
    const root = ALL.find((n) => n.id === req.nodeId && n.type === req.nodeType);
    if (root === undefined) throw new ConnectError(`${req.nodeType} not found: ${req.nodeId}`, Code.NotFound);
    const reach = req.depth >= 2 || root !== STORY ? ALL : ALL.filter((n) => n !== PROJECT);
    const ids = new Set(reach.map((n) => n.id));
    return create(GetGraphRelationshipsResponseSchema, {
      node: root,
      neighbors: reach.filter((n) => n !== root),
      relationships: EDGES.filter((e) => ids.has(e.fromNodeId) && ids.has(e.toNodeId)),
      success: true,
      message: `${reach.length - 1} nodes within ${req.depth}`,
    });
  });
  const context = vi.fn((req: GetContextRequest) => ({
    context: `Role ${req.role} in ${req.phase}. Story: ${STORY.title}`,
    tokenCount: 42,
    scopes: ['CASE_HEADER', 'DECISIONS'],
    version: 'abc123',
  }));
  return { getGraphRelationships: neighbourhood, getContext: context };
}

const planning = { listStories: () => ({ stories: [create(StorySchema, { storyId: 's-1', title: STORY.title })] }) };

it('keeps the centred node in the address', () => {
  const route = { view: 'graph', node: { kind: 'Story', id: 's 1' } } as const;
  expect(parseHash(hrefOf(route))).toEqual(route);
  expect(parseHash('#/graph')).toEqual({ view: 'graph' });
});

it('draws a story’s neighbourhood, deepens it, and lists its decisions newest first', async () => {
  const context = contextStore();
  renderApp({ context, planning }, '#/graph/Story/s-1');
  const nodes = await screen.findByRole('region', { name: 'Nodes' });
  expect(within(nodes).getByRole('link', { name: 'Story Export invoices as CSV' }).getAttribute('aria-current')).toBe('page');
  expect(within(nodes).getByRole('link', { name: 'Project Billing' })).toBeTruthy();
  expect(screen.getByRole('list', { name: 'Relationships' }).textContent).toContain('Epic Invoices CONTAINS Story Export invoices as CSV');

  await userEvent.selectOptions(screen.getByLabelText('Depth'), '1');
  const shallower = await screen.findByRole('region', { name: 'Nodes' });
  expect(within(shallower).getByRole('link', { name: 'Epic Invoices' })).toBeTruthy();
  expect(within(shallower).queryByRole('link', { name: 'Project Billing' })).toBeNull();
  expect(context.getGraphRelationships).toHaveBeenLastCalledWith(
    expect.objectContaining({ nodeId: 's-1', nodeType: 'Story', depth: 1 }),
    expect.anything(),
  );

  const decisions = within(screen.getByRole('list', { name: 'Decisions, newest first' })).getAllByRole('listitem');
  expect(decisions.map((d) => d.textContent)).toEqual([
    expect.stringMatching(/^Use a CSV library /),
    expect.stringMatching(/^Write CSV by hand \(superseded\)/),
  ]);
});

it('shows what a role’s prompt would hold for the story, for the role and phase chosen', async () => {
  const context = contextStore();
  renderApp({ context, planning }, '#/graph/Story/s-1');
  expect((await screen.findByLabelText('The DEV prompt in BUILD')).textContent).toContain('Story: Export invoices as CSV');
  await userEvent.selectOptions(screen.getByLabelText('Role'), 'QA');
  await userEvent.selectOptions(screen.getByLabelText('Phase'), 'TEST');
  expect((await screen.findByLabelText('The QA prompt in TEST')).textContent).toContain('Role QA in TEST');
  expect(screen.getByText(/42 tokens · version/).textContent).toContain('scopes CASE_HEADER, DECISIONS');
});

it('re-centres on a node chosen from the list', async () => {
  renderApp({ context: contextStore(), planning }, '#/graph/Story/s-1');
  await userEvent.click(await screen.findByRole('link', { name: 'Decision Use a CSV library' }));
  await waitFor(() => expect(window.location.hash).toBe('#/graph/Decision/d-2'));
  expect(await screen.findByRole('link', { name: 'Decision Use a CSV library', current: 'page' })).toBeTruthy();
  expect(screen.queryByRole('heading', { name: 'A role’s prompt' })).toBeNull();
});

it('says in words which node is missing, and what to do with no node chosen', async () => {
  renderApp({ context: contextStore(), planning }, '#/graph');
  expect(screen.getByText(/Choose a story or a decision/)).toBeTruthy();
  await userEvent.type(screen.getByLabelText('Id'), 's-404');
  await userEvent.click(screen.getByRole('button', { name: 'Show' }));
  expect((await screen.findByRole('alert')).textContent).toContain('There is no Story s-404 in the context graph.');
});

it('centres on a story chosen from the list of stories', async () => {
  renderApp({ context: contextStore(), planning }, '#/graph');
  await screen.findByRole('option', { name: STORY.title });
  await userEvent.selectOptions(screen.getByLabelText('Story'), STORY.title);
  await waitFor(() => expect(window.location.hash).toBe('#/graph/Story/s-1'));
  const nodes = await screen.findByRole('region', { name: 'Nodes' });
  expect(within(nodes).getByRole('link', { name: `Story ${STORY.title}`, current: 'page' })).toBeTruthy();
});
