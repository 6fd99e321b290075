// @vitest-environment happy-dom
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, it, vi } from 'vitest';
import { DeliberationSummarySchema, type ListDeliberationsRequest } from '../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { DeliberationStatus } from '../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import {
  type ApproveDecisionRequest,
  type Epic,
  EpicSchema,
  type Project,
  ProjectSchema,
  type RejectDecisionRequest,
  type Story,
  StorySchema,
  type TransitionStoryRequest,
} from '../../proto/gen-es/fleet/planning/v2/planning_pb.js';
import type { ScoreStoryRequest } from '../../proto/gen-es/fleet/storycoach/v1/storycoach_pb.js';
import { hrefOf, parseHash } from '../src/app/route.js';
import { allowedMoves, splitBrief } from '../src/backlog/story-model.js';
import { renderApp } from './fake-daemon.js';

afterEach(cleanup);

const READY = 'As a clerk, I want CSV, so that I can reconcile.\n\nAcceptance criteria:\n- Given invoices When I export Then I get a file';

/** The planning service kept in memory, as the daemon would answer. */
function planningStore(seed: { projects?: Project[]; epics?: Epic[]; stories?: Story[] } = {}) {
  let projects = seed.projects ?? [];
  let epics = seed.epics ?? [];
  let stories = seed.stories ?? [];
  let n = 0;
  const transition = vi.fn((req: TransitionStoryRequest) => {
    const story = stories.find((s) => s.storyId === req.storyId)!;
    if (story.dorScore < 75)
      throw new ConnectError(
        `story ${story.storyId} scores ${story.dorScore} on the Definition of Ready; its project (rigor L1) needs 75 to go to review`,
        Code.FailedPrecondition,
      );
    story.state = req.targetState;
    return { story, success: true };
  });
  const approve = vi.fn((req: ApproveDecisionRequest) => ({
    success: true,
    taskIds: (req.roles.length > 0 ? req.roles : ['DEV', 'QA']).map((r) => `plan-${req.decisionId}-${r}`),
  }));
  const reject = vi.fn((req: RejectDecisionRequest) => ({ success: true, redeliberationTaskId: `${req.decisionId}.r1` }));
  const planning = {
    listProjects: () => ({ projects, totalCount: projects.length }),
    createProject: (req: { name: string; owner: string; rigorLevel: string; description: string }) => {
      const project = create(ProjectSchema, { ...req, projectId: `project-${++n}`, status: 'active' });
      projects = [...projects, project];
      return { project, success: true };
    },
    getProject: (req: { projectId: string }) => ({ project: projects.find((p) => p.projectId === req.projectId) }),
    listEpics: (req: { projectId?: string }) => ({ epics: epics.filter((e) => e.projectId === req.projectId) }),
    createEpic: (req: { projectId: string; title: string; description: string }) => {
      const epic = create(EpicSchema, { ...req, epicId: `epic-${++n}` });
      epics = [...epics, epic];
      return { epic, success: true };
    },
    getEpic: (req: { epicId: string }) => ({ epic: epics.find((e) => e.epicId === req.epicId) }),
    listStories: (req: { epicId?: string }) => ({ stories: stories.filter((s) => s.epicId === req.epicId) }),
    createStory: (req: { epicId: string; title: string; brief: string; createdBy: string }) => {
      const story = create(StorySchema, { ...req, storyId: `story-${++n}`, state: 'DRAFT', dorScore: req.brief === READY ? 100 : 40 });
      stories = [...stories, story];
      return { story, success: true };
    },
    getStory: (req: { storyId: string }) => {
      const story = stories.find((s) => s.storyId === req.storyId);
      if (story === undefined) throw new ConnectError(`story not found: ${req.storyId}`, Code.NotFound);
      return story;
    },
    listTasks: () => ({ tasks: [] }),
    transitionStory: transition,
    approveDecision: approve,
    rejectDecision: reject,
  };
  return { planning, transition, approve, reject };
}

const coach = {
  scoreStory: vi.fn((req: ScoreStoryRequest) =>
    req.ac.length > 0
      ? { total: 100, findings: [] }
      : {
          total: 40,
          findings: [
            { code: 'DESC_MISSING', message: 'the description says too little (12 characters)', weight: 30 },
            { code: 'AC_MISSING', message: 'no acceptance criteria: list how the team will know it is done', weight: 25 },
          ],
        },
  ),
};

const PROJECT = create(ProjectSchema, { projectId: 'p1', name: 'Invoicing', owner: 'po@example.com', rigorLevel: 'L1' });
const EPIC = create(EpicSchema, { epicId: 'e1', projectId: 'p1', title: 'Exports' });
const story = (fields: { title?: string; brief?: string; state?: string; dorScore?: number }): Story =>
  create(StorySchema, { storyId: 's1', epicId: 'e1', title: 'Export CSV', brief: READY, state: 'DRAFT', dorScore: 100, ...fields });

const noDeliberations = { listDeliberations: () => ({ deliberations: [], totalCount: 0 }) };

it('reads and writes the backlog routes', () => {
  expect(parseHash('#/backlog')).toEqual({ view: 'backlog' });
  expect(parseHash('#/backlog/story%2F1')).toEqual({ view: 'backlog', storyId: 'story/1' });
  expect(hrefOf({ view: 'backlog', storyId: 'story/1' })).toBe('#/backlog/story%2F1');
  expect(allowedMoves('DRAFT')).toEqual(['PO_REVIEW']);
  expect(allowedMoves('CODE_REVIEW')).toEqual(['TESTING', 'IN_PROGRESS', 'CARRY_OVER', 'DRAFT']);
  expect(splitBrief(READY)).toEqual({
    description: 'As a clerk, I want CSV, so that I can reconcile.',
    ac: ['Given invoices When I export Then I get a file'],
  });
  expect(splitBrief('Do it\nGiven x When y Then z')).toEqual({ description: 'Do it', ac: ['Given x When y Then z'] });
});

it('creates a project, an epic and a story, saying what to do next at each empty level', async () => {
  const { planning } = planningStore();
  renderApp({ planning, storyCoach: coach, desktop: noDeliberations }, '#/backlog');
  expect(await screen.findByText(/^No projects yet — create one below/)).toBeTruthy();

  // An empty name is refused next to the field, and nothing is sent.
  await userEvent.click(screen.getByRole('button', { name: 'Create project' }));
  expect(screen.getByRole('alert').textContent).toMatch(/^Name is required/);
  expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');

  await userEvent.type(screen.getByLabelText('Name'), 'Invoicing');
  await userEvent.type(screen.getByLabelText('Owner'), 'po@example.com');
  await userEvent.selectOptions(screen.getByLabelText('Rigor'), 'L2');
  await userEvent.click(screen.getByRole('button', { name: 'Create project' }));
  expect(await screen.findByRole('heading', { name: 'Epics in Invoicing' })).toBeTruthy();
  expect(screen.getByRole('button', { name: 'Invoicing' }).getAttribute('aria-pressed')).toBe('true');
  expect(screen.getByText(/rigor L2/)).toBeTruthy();
  expect(screen.getByText(/^No epics in Invoicing yet/)).toBeTruthy();

  await userEvent.type(screen.getByLabelText('Epic title'), 'Exports');
  await userEvent.click(screen.getByRole('button', { name: 'Create epic' }));
  expect(await screen.findByRole('heading', { name: 'Stories in Exports' })).toBeTruthy();
  expect(await screen.findByText(/^No stories in Exports yet/)).toBeTruthy();

  await userEvent.type(screen.getByLabelText('Title'), 'Export CSV');
  await userEvent.type(screen.getByLabelText('Brief'), READY.replace(/\n/g, '{Enter}'));
  expect(screen.getByLabelText('Brief').getAttribute('aria-describedby')).toMatch(/hint/);
  await userEvent.click(screen.getByRole('button', { name: 'Create story' }));

  // The new story opens: its state, its score, the list links it.
  expect(await screen.findByRole('heading', { level: 2, name: 'Export CSV' })).toBeTruthy();
  expect(window.location.hash).toMatch(/^#\/backlog\/story-\d+$/);
  expect(await screen.findByText('DoR 100')).toBeTruthy();
  expect(screen.getByText('State:').textContent).toBe('State: DRAFT');
  const list = screen.getByRole('list', { name: 'Stories in Exports' });
  expect(within(list).getByRole('link', { name: 'Export CSV' }).getAttribute('aria-current')).toBe('page');
});

it("shows StoryCoach's findings, scored on the title and the brief split as the daemon splits it", async () => {
  const { planning } = planningStore({
    projects: [PROJECT],
    epics: [EPIC],
    stories: [story({ title: 'Speed up', brief: 'Make it fast', dorScore: 40 })],
  });
  coach.scoreStory.mockClear();
  renderApp({ planning, storyCoach: coach, desktop: noDeliberations }, '#/backlog/s1');
  const findings = await screen.findByRole('list', { name: 'StoryCoach findings' });
  expect(
    within(findings)
      .getAllByRole('listitem')
      .map((li) => li.textContent),
  ).toEqual([
    '−30 DESC_MISSING: the description says too little (12 characters)',
    '−25 AC_MISSING: no acceptance criteria: list how the team will know it is done',
  ]);
  expect(screen.getByText('DoR 40')).toBeTruthy();
  expect(screen.getByText(/needs 75 to go to review/)).toBeTruthy();
  expect(coach.scoreStory.mock.calls[0]?.[0]).toMatchObject({ title: 'Speed up', description: 'Make it fast', ac: [] });
  // The story's project and epic show as chosen.
  expect(await screen.findByRole('heading', { name: 'Stories in Exports' })).toBeTruthy();
});

it("shows the daemon's refusal of a move in words, next to the buttons, and the story stays where it was", async () => {
  const { planning, transition } = planningStore({ projects: [PROJECT], epics: [EPIC], stories: [story({ dorScore: 40 })] });
  renderApp({ planning, storyCoach: coach, desktop: noDeliberations }, '#/backlog/s1');
  const moves = await screen.findByRole('group', { name: 'Move the story' });
  expect(
    within(moves)
      .getAllByRole('button')
      .map((b) => b.textContent),
  ).toEqual(['Move to PO_REVIEW']);
  await userEvent.click(within(moves).getByRole('button', { name: 'Move to PO_REVIEW' }));
  const alert = await screen.findByRole('alert');
  expect(alert.textContent).toBe('story s1 scores 40 on the Definition of Ready; its project (rigor L1) needs 75 to go to review');
  expect(transition.mock.calls[0]?.[0]).toMatchObject({ storyId: 's1', targetState: 'PO_REVIEW', transitionedBy: 'po@example.com' });
  expect(screen.getByText('State:').textContent).toBe('State: DRAFT');
});

it('moves a ready story and offers the moves of its new state', async () => {
  const { planning } = planningStore({ projects: [PROJECT], epics: [EPIC], stories: [story({})] });
  renderApp({ planning, storyCoach: coach, desktop: noDeliberations }, '#/backlog/s1');
  await userEvent.click(await screen.findByRole('button', { name: 'Move to PO_REVIEW' }));
  await waitFor(() => expect(screen.getByText('State:').textContent).toBe('State: PO_REVIEW'));
  expect(screen.getByRole('button', { name: 'Move to READY_FOR_PLANNING' })).toBeTruthy();
  expect(screen.getByRole('button', { name: 'Move to DRAFT' })).toBeTruthy();
  const current = screen.getByRole('list', { name: 'Story states' }).querySelector('[aria-current="step"]');
  expect(current?.textContent).toBe('PO review');
});

it('approves the plan with the roles chosen and links the deliberations it started; lists them with status and winner', async () => {
  const { planning, approve } = planningStore({ projects: [PROJECT], epics: [EPIC], stories: [story({ state: 'PO_REVIEW' })] });
  let started = false;
  const queries: string[] = [];
  const desktop = {
    listDeliberations: (req: ListDeliberationsRequest) => {
      queries.push(req.query);
      const deliberations = started
        ? [
            create(DeliberationSummarySchema, {
              taskId: 'plan-s1-plan-v1-DEV',
              role: 'DEV',
              status: DeliberationStatus.COMPLETED,
              winnerId: 'dev-2',
            }),
            create(DeliberationSummarySchema, { taskId: 'plan-s1-plan-v1-QA', role: 'QA', status: DeliberationStatus.IN_PROGRESS }),
          ]
        : [];
      return { deliberations, totalCount: deliberations.length };
    },
  };
  renderApp({ planning, storyCoach: coach, desktop }, '#/backlog/s1');
  expect(await screen.findByText(/^No deliberations for this story yet/)).toBeTruthy();
  expect(screen.getByLabelText<HTMLInputElement>('Plan id').value).toBe('s1-plan-v1');
  await userEvent.click(screen.getByRole('checkbox', { name: 'QA' }));
  await userEvent.click(screen.getByRole('checkbox', { name: 'DEV' }));
  started = true;
  await userEvent.click(screen.getByRole('button', { name: 'Approve plan' }));

  expect(approve.mock.calls[0]?.[0]).toMatchObject({
    storyId: 's1',
    decisionId: 's1-plan-v1',
    approvedBy: 'po@example.com',
    roles: ['DEV', 'QA'],
  });
  const status = await screen.findByText(/^Plan s1-plan-v1 approved: 2 deliberations started/);
  const links = within(status.closest('div')!).getAllByRole('link');
  expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
    ['plan-s1-plan-v1-DEV', '#/deliberations/plan-s1-plan-v1-DEV'],
    ['plan-s1-plan-v1-QA', '#/deliberations/plan-s1-plan-v1-QA'],
  ]);
  const table = await screen.findByRole('table', { name: /deliberations this story/ });
  await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
  const dev = within(table).getByRole('link', { name: 'plan-s1-plan-v1-DEV' }).closest('tr')!;
  expect(within(dev).getByText('completed')).toBeTruthy();
  expect(within(dev).getByText('dev-2')).toBeTruthy();
  expect(queries).toContain('s1-plan-v1');
});

it('refuses to reject a decision without a reason, next to the field, sending nothing; with one it links the re-deliberation', async () => {
  const { planning, reject } = planningStore({ projects: [PROJECT], epics: [EPIC], stories: [story({ state: 'PO_REVIEW' })] });
  const desktop = {
    listDeliberations: () => ({
      deliberations: [
        create(DeliberationSummarySchema, {
          taskId: 'plan-s1-plan-v1-DEV',
          role: 'DEV',
          status: DeliberationStatus.COMPLETED,
          winnerId: 'dev-1',
        }),
      ],
      totalCount: 1,
    }),
  };
  renderApp({ planning, storyCoach: coach, desktop }, '#/backlog/s1');
  await userEvent.click(await screen.findByRole('button', { name: 'Reject decision' }));

  const reason = screen.getByLabelText('Reason');
  const alert = screen.getByRole('alert');
  expect(alert.textContent).toMatch(/^Reason is required/);
  expect(reason.getAttribute('aria-describedby')?.split(' ')).toContain(alert.id);
  expect(reason.getAttribute('aria-invalid')).toBe('true');
  expect(reject).not.toHaveBeenCalled();

  await userEvent.type(reason, 'Add the VAT column');
  await userEvent.click(screen.getByRole('button', { name: 'Reject decision' }));
  const link = await screen.findByRole('link', { name: 'plan-s1-plan-v1-DEV.r1' });
  expect(link.getAttribute('href')).toBe('#/deliberations/plan-s1-plan-v1-DEV.r1');
  expect(reject.mock.calls[0]?.[0]).toMatchObject({
    storyId: 's1',
    decisionId: 'plan-s1-plan-v1-DEV',
    rejectedBy: 'po@example.com',
    reason: 'Add the VAT column',
  });
  expect(screen.queryByRole('alert')).toBeNull();
});

it('says in words when a project cannot be deleted, next to it', async () => {
  const { planning } = planningStore({ projects: [PROJECT], epics: [EPIC] });
  const refusing = {
    ...planning,
    deleteProject: () => {
      throw new ConnectError('project p1 still has 1 epics: delete them first', Code.FailedPrecondition);
    },
  };
  renderApp({ planning: refusing, storyCoach: coach, desktop: noDeliberations }, '#/backlog');
  await userEvent.click(await screen.findByRole('button', { name: 'Delete project Invoicing' }));
  expect((await screen.findByRole('alert')).textContent).toBe('project p1 still has 1 epics: delete them first');
  expect(screen.getByRole('button', { name: 'Invoicing' })).toBeTruthy();
});
