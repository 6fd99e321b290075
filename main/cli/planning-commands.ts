import { readFileSync } from 'node:fs';

import { Command } from 'commander';

import { terminalSafe } from '../../core/base/terminal-text.js';
import { invalidArgument } from '../../core/domain/errors.js';
import { type Epic, type PlanTask, type Project, parseRigor, parseStoryState, type Story } from '../../core/domain/planning.js';
import { scoreStory, splitBrief } from '../../core/domain/story-coach.js';
import { parseRole } from '../../core/domain/validation.js';
import type { PlanningService } from '../../core/ports/planning-service.js';
import { connectPlanning } from '../compose.js';
import { loadConfig } from '../config.js';
import { intOption } from './common-options.js';

// `fleet project|epic|story|task ...`: planning through the daemon that owns the data folder (its gRPC
// API), so that every change is stored once and announced on its NATS like any other client's.

interface Flags {
  dataDir?: string;
  json?: boolean;
  limit: number;
  offset: number;
}

const print = (text: string): void => void process.stdout.write(`${terminalSafe(text, { lines: true })}\n`);
const json = (value: unknown): void => print(JSON.stringify(value, null, 2));
const iso = (ms: number): string => new Date(ms).toISOString();

/** Runs `body` with the daemon's planning API, closing the connection whatever happens. */
async function withPlanning<T>(flags: { dataDir?: string }, body: (planning: PlanningService) => Promise<T>): Promise<T> {
  const planning = connectPlanning(loadConfig({ dataDir: flags.dataDir }));
  try {
    return await body(planning);
  } finally {
    planning.close();
  }
}

function group(name: string, description: string): Command {
  return new Command(name).description(description);
}

function command(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .option('--data-dir <dir>', 'data folder of the daemon to ask; default: the platform app-data folder')
    .option('--json', 'print JSON');
}

const listed = (c: Command): Command =>
  c
    .addOption(intOption('--limit <n>', 'at most n (default 100)', 1, 500).default(100))
    .addOption(intOption('--offset <n>', 'skip n', 0, 1e9).default(0));

const projectLine = (p: Project): string => `${p.id}  ${p.name}  (${p.status}, rigor ${p.rigor}, owner ${p.owner || '-'})`;
const epicLine = (e: Epic): string => `${e.id}  ${e.title}  (${e.status}, project ${e.projectId})`;
const storyLine = (s: Story): string => `${s.id}  ${s.state.padEnd(18)}  DoR ${String(s.dorScore).padStart(3)}  ${s.title}`;
const taskLine = (t: PlanTask): string =>
  `${t.id}  ${t.type || '-'}  ${t.status}  ${t.title}${t.planId === undefined ? '' : `  (plan ${t.planId})`}`;

function showList<T>(flags: Flags, page: { items: readonly T[]; total: number }, line: (t: T) => string, empty: string): void {
  if (flags.json === true) return json({ items: page.items, total_count: page.total });
  if (page.items.length === 0) return print(empty);
  page.items.forEach((item) => print(line(item)));
  if (page.total > page.items.length)
    print(`(${page.items.length} of ${page.total}; --offset ${flags.offset + page.items.length} for more)`);
}

function projectCommand(): Command {
  const g = group('project', 'projects: the top of the planning hierarchy');
  g.addCommand(
    command('create', 'create a project')
      .argument('<name>')
      .option('--description <text>', 'what it is', '')
      .option('--owner <who>', 'its product owner', '')
      .option('--rigor <level>', 'Definition-of-Ready strictness: L0 (50), L1 (75), L2 (85) or L3 (90)', 'L1')
      .action((name: string, flags: Flags & { description: string; owner: string; rigor: string }) =>
        withPlanning(flags, async (p) => {
          const project = await p.createProject({
            name,
            description: flags.description,
            owner: flags.owner,
            rigor: parseRigor(flags.rigor, '--rigor'),
          });
          return flags.json === true ? json(project) : print(projectLine(project));
        }),
      ),
  );
  g.addCommand(
    listed(command('list', 'list projects, newest first').option('--status <status>', 'only this status')).action(
      (flags: Flags & { status?: string }) =>
        withPlanning(flags, async (p) =>
          showList(
            flags,
            await p.projects({ limit: flags.limit, offset: flags.offset, ...(flags.status ? { status: flags.status } : {}) }),
            projectLine,
            'no projects yet: `fleet project create <name>`',
          ),
        ),
    ),
  );
  g.addCommand(
    command('show', 'one project')
      .argument('<id>')
      .action((id: string, flags: Flags) =>
        withPlanning(flags, async (p) => {
          const project = await p.project(id);
          return flags.json === true
            ? json(project)
            : print(`${projectLine(project)}\n${project.description}\ncreated ${iso(project.createdAtMs)}`);
        }),
      ),
  );
  g.addCommand(
    command('delete', 'delete a project (refused while it has epics)')
      .argument('<id>')
      .action((id: string, flags: Flags) =>
        withPlanning(flags, async (p) => {
          await p.deleteProject(id);
          print(`deleted project ${id}`);
        }),
      ),
  );
  return g;
}

function epicCommand(): Command {
  const g = group('epic', "epics: a project's bodies of work");
  g.addCommand(
    command('create', 'create an epic in a project')
      .argument('<title>')
      .requiredOption('--project <id>', 'the project it belongs to')
      .option('--description <text>', 'what it is', '')
      .action((title: string, flags: Flags & { project: string; description: string }) =>
        withPlanning(flags, async (p) => {
          const epic = await p.createEpic({ projectId: flags.project, title, description: flags.description });
          return flags.json === true ? json(epic) : print(epicLine(epic));
        }),
      ),
  );
  g.addCommand(
    listed(command('list', 'list epics, newest first').option('--project <id>', "only this project's")).action(
      (flags: Flags & { project?: string }) =>
        withPlanning(flags, async (p) =>
          showList(
            flags,
            await p.epics({ limit: flags.limit, offset: flags.offset, ...(flags.project ? { projectId: flags.project } : {}) }),
            epicLine,
            'no epics: `fleet epic create --project <id> <title>`',
          ),
        ),
    ),
  );
  g.addCommand(
    command('show', 'one epic')
      .argument('<id>')
      .action((id: string, flags: Flags) =>
        withPlanning(flags, async (p) => {
          const epic = await p.epic(id);
          return flags.json === true ? json(epic) : print(`${epicLine(epic)}\n${epic.description}`);
        }),
      ),
  );
  g.addCommand(
    command('delete', 'delete an epic (refused while it has stories)')
      .argument('<id>')
      .action((id: string, flags: Flags) =>
        withPlanning(flags, async (p) => {
          await p.deleteEpic(id);
          print(`deleted epic ${id}`);
        }),
      ),
  );
  return g;
}

function briefOf(flags: { brief?: string; briefFile?: string }): string {
  if (flags.brief !== undefined && flags.briefFile !== undefined)
    throw invalidArgument('--brief', 'either --brief or --brief-file, not both');
  if (flags.briefFile !== undefined) return readFileSync(flags.briefFile === '-' ? 0 : flags.briefFile, 'utf8');
  if (flags.brief !== undefined) return flags.brief;
  throw invalidArgument('--brief', 'the story text (--brief TEXT or --brief-file FILE): its value and acceptance criteria');
}

function storyCommand(): Command {
  const g = group('story', "stories: the product owner's units of value, with a state machine and a Definition of Ready");
  g.addCommand(
    command('create', 'create a story in an epic (scored on the Definition of Ready)')
      .argument('<title>')
      .requiredOption('--epic <id>', 'the epic it belongs to')
      .option('--brief <text>', 'its text: "As a ... I want ... so that ..." and an "Acceptance criteria:" list')
      .option('--brief-file <file>', 'the same from a file (- for standard input)')
      .option('--by <who>', 'who writes it', '')
      .action((title: string, flags: Flags & { epic: string; brief?: string; briefFile?: string; by: string }) =>
        withPlanning(flags, async (p) => {
          const story = await p.createStory({ epicId: flags.epic, title, brief: briefOf(flags), createdBy: flags.by });
          return flags.json === true ? json(story) : print(`${storyLine(story)}\n${findingsOf(story)}`);
        }),
      ),
  );
  g.addCommand(
    listed(
      command('list', 'list stories, newest first').option('--epic <id>', "only this epic's").option('--state <state>', 'only this state'),
    ).action((flags: Flags & { epic?: string; state?: string }) =>
      withPlanning(flags, async (p) =>
        showList(
          flags,
          await p.stories({
            limit: flags.limit,
            offset: flags.offset,
            ...(flags.epic ? { epicId: flags.epic } : {}),
            ...(flags.state ? { state: parseStoryState(flags.state, '--state') } : {}),
          }),
          storyLine,
          'no stories: `fleet story create --epic <id> <title> --brief ...`',
        ),
      ),
    ),
  );
  g.addCommand(
    command('show', "one story, with StoryCoach's findings")
      .argument('<id>')
      .action((id: string, flags: Flags) =>
        withPlanning(flags, async (p) => {
          const story = await p.story(id);
          return flags.json === true
            ? json({ ...story, findings: scoreOf(story).findings })
            : print(`${storyLine(story)}\n\n${story.brief}\n\n${findingsOf(story)}`);
        }),
      ),
  );
  g.addCommand(
    command('delete', 'delete a story (refused while it has tasks)')
      .argument('<id>')
      .action((id: string, flags: Flags) =>
        withPlanning(flags, async (p) => {
          await p.deleteStory(id);
          print(`deleted story ${id}`);
        }),
      ),
  );
  g.addCommand(
    command('transition', 'move a story to another state (its state machine says which)')
      .argument('<id>')
      .argument('<state>', 'DRAFT, PO_REVIEW, READY_FOR_PLANNING, PLANNED, READY_FOR_EXECUTION, IN_PROGRESS, ...')
      .option('--by <who>', 'who moves it', '')
      .action((id: string, state: string, flags: Flags & { by: string }) =>
        withPlanning(flags, async (p) => {
          const story = await p.transitionStory(id, parseStoryState(state, '<state>'), flags.by);
          return flags.json === true ? json(story) : print(storyLine(story));
        }),
      ),
  );
  g.addCommand(
    command('approve', "approve a decision: a deliberation's (its task id) or the story's plan (starts one deliberation per role)")
      .argument('<story-id>')
      .argument('<decision-id>', 'a deliberation task id, or a plan id')
      .requiredOption('--by <who>', 'the product owner')
      .option('--comment <text>', 'why', '')
      .option('--role <role...>', 'for a plan: the roles to deliberate (default: those its tasks name, else DEV and QA)')
      .action((storyId: string, decisionId: string, flags: Flags & { by: string; comment: string; role?: string[] }) =>
        withPlanning(flags, async (p) => {
          const roles = (flags.role ?? []).map((r, i) => parseRole(r, `--role[${i}]`));
          const { taskIds } = await p.approveDecision(storyId, decisionId, flags.by, flags.comment, roles);
          if (flags.json === true) return json({ task_ids: taskIds });
          print(
            taskIds.length === 0 ? `approved decision ${decisionId}` : `plan ${decisionId} approved; deliberating: ${taskIds.join(', ')}`,
          );
        }),
      ),
  );
  g.addCommand(
    command('reject', "reject a deliberation's decision: it is deliberated again with the reason in its prompt")
      .argument('<story-id>')
      .argument('<decision-id>', 'the deliberation task id')
      .requiredOption('--reason <text>', 'why (required)')
      .requiredOption('--by <who>', 'the product owner')
      .action((storyId: string, decisionId: string, flags: Flags & { by: string; reason: string }) =>
        withPlanning(flags, async (p) => {
          const taskId = await p.rejectDecision(storyId, decisionId, flags.by, flags.reason);
          return flags.json === true ? json({ redeliberation_task_id: taskId }) : print(`rejected; deliberating again as ${taskId}`);
        }),
      ),
  );
  return g;
}

function taskCommand(): Command {
  const g = group('task', "tasks: a story's units of work");
  g.addCommand(
    command('create', 'create a task in a story (once per --request-id)')
      .argument('<title>')
      .requiredOption('--story <id>', 'the story it belongs to')
      .option('--description <text>', 'what to do', '')
      .option('--type <role>', 'whose work: DEV, QA, ARCHITECT, DEVOPS or DATA', 'DEV')
      .option('--plan <id>', 'the plan it comes from')
      .option('--assign <who>', 'who does it', '')
      .addOption(intOption('--hours <n>', 'estimated hours', 0, 10_000).default(0))
      .addOption(intOption('--priority <n>', '1 is the highest', 0, 1_000).default(0))
      .option('--request-id <key>', 'idempotency key: the same key creates the task once (default: a fresh one)')
      .action(
        (
          title: string,
          flags: Flags & {
            story: string;
            description: string;
            type: string;
            plan?: string;
            assign: string;
            hours: number;
            priority: number;
            requestId?: string;
          },
        ) =>
          withPlanning(flags, async (p) => {
            const task = await p.createTask({
              storyId: flags.story,
              ...(flags.plan === undefined ? {} : { planId: flags.plan }),
              title,
              description: flags.description,
              type: parseRole(flags.type, '--type'),
              assignedTo: flags.assign,
              estimatedHours: flags.hours,
              priority: flags.priority,
              requestId: flags.requestId ?? crypto.randomUUID(),
            });
            return flags.json === true ? json(task) : print(taskLine(task));
          }),
      ),
  );
  g.addCommand(
    listed(
      command('list', 'list tasks, newest first')
        .option('--story <id>', "only this story's")
        .option('--status <status>', 'only this status'),
    ).action((flags: Flags & { story?: string; status?: string }) =>
      withPlanning(flags, async (p) =>
        showList(
          flags,
          await p.tasks({
            limit: flags.limit,
            offset: flags.offset,
            ...(flags.story ? { storyId: flags.story } : {}),
            ...(flags.status ? { status: flags.status } : {}),
          }),
          taskLine,
          'no tasks: `fleet task create --story <id> <title>`',
        ),
      ),
    ),
  );
  g.addCommand(
    command('show', 'one task')
      .argument('<id>')
      .action((id: string, flags: Flags) =>
        withPlanning(flags, async (p) => {
          const task = await p.task(id);
          return flags.json === true ? json(task) : print(`${taskLine(task)}\n${task.description}`);
        }),
      ),
  );
  return g;
}

const scoreOf = (story: Story) => scoreStory({ title: story.title, ...splitBrief(story.brief) });

function findingsOf(story: Story): string {
  const { findings } = scoreOf(story);
  if (findings.length === 0) return 'Definition of Ready: nothing missing';
  return ['Definition of Ready findings:', ...findings.map((f) => `  -${String(f.weight).padStart(3)}  ${f.code}: ${f.message}`)].join(
    '\n',
  );
}

export const planningCommands = (): Command[] => [projectCommand(), epicCommand(), storyCommand(), taskCommand()];
