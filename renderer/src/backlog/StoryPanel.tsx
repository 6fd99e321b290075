import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type { Epic, Project, Story } from '../../../proto/gen-es/fleet/planning/v2/planning_pb.js';
import { errorText } from '../api.js';
import { graphHref, hrefOf } from '../app/route.js';
import { navigate } from '../app/use-route.js';
import { ROLES, type Role } from '../councils/roles.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { ChoiceField, Field } from '../shared/Field.js';
import { PlanSection } from './PlanSection.js';
import { actorOf } from './story-model.js';
import { allowedMoves, DEFAULT_RIGOR, newRequestId, splitBrief, STORY_PATH, stateWords, thresholdOf } from './story-model.js';
import { useLoad } from './use-load.js';

/** The state as a step bar: the usual path, the current state marked; CARRY_OVER said apart. */
function StateSteps({ state }: { readonly state: string }) {
  const at = STORY_PATH.findIndex((s) => s === state);
  return (
    <>
      <ol className="steps" aria-label="Story states">
        {STORY_PATH.map((s, i) => (
          <li key={s} className={i < at ? 'done' : i === at ? 'current' : 'ahead'} aria-current={i === at ? 'step' : undefined}>
            {stateWords(s)}
          </li>
        ))}
      </ol>
      {state === 'CARRY_OVER' ? <p className="note">Carried over: it goes back to Ready for execution, or is archived.</p> : null}
    </>
  );
}

/** The DoR score and what StoryCoach says lowers it, scored on the same split of the brief as the daemon's. */
function Readiness({ story, project }: { readonly story: Story; readonly project: Project }) {
  const api = useApi();
  const { title, brief } = story;
  const load = useCallback(
    (signal: AbortSignal) => api.storyCoach.scoreStory({ title, ...splitBrief(brief) }, { signal }),
    [api, title, brief],
  );
  const { data, error } = useLoad(load);
  const rigor = project.rigorLevel || DEFAULT_RIGOR;
  const threshold = thresholdOf(rigor);
  const ready = story.dorScore >= threshold;
  return (
    <section className="story-part" aria-labelledby="dor-heading">
      <h3 id="dor-heading">Definition of Ready</h3>
      <p className="dor">
        <strong className={ready ? 'ok' : 'bad'}>DoR {story.dorScore}</strong> of 100.{' '}
        {ready
          ? `Ready for review: this project (rigor ${rigor}) needs ${threshold}.`
          : `This project (rigor ${rigor}) needs ${threshold} to go to review: fix what StoryCoach finds below.`}
      </p>
      <meter min={0} max={100} low={threshold} optimum={100} value={story.dorScore} aria-label="DoR score" />
      <ErrorNote message={error === '' ? '' : `StoryCoach could not score the story: ${error}`} />
      {data === undefined ? (
        error === '' ? (
          <p className="meta">StoryCoach is scoring…</p>
        ) : null
      ) : data.findings.length === 0 ? (
        <p className="meta">StoryCoach finds nothing to fix.</p>
      ) : (
        <ul className="findings" aria-label="StoryCoach findings">
          {data.findings.map((f) => (
            <li key={f.code}>
              <strong>−{f.weight}</strong> <code>{f.code}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Moves({ story, actor, onMoved }: { readonly story: Story; readonly actor: string; readonly onMoved: () => void }) {
  const api = useApi();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const move = async (target: string): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      await api.planning.transitionStory({ storyId: story.storyId, targetState: target, transitionedBy: actor });
      onMoved();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const moves = allowedMoves(story.state);
  return (
    <div className="moves">
      {moves.length === 0 ? (
        <p className="meta">Archived: it goes nowhere from here.</p>
      ) : (
        <div role="group" aria-label="Move the story" className="actions">
          {moves.map((m) => (
            <button key={m} type="button" disabled={busy} onClick={() => void move(m)}>
              Move to {m}
            </button>
          ))}
        </div>
      )}
      <ErrorNote message={error} />
    </div>
  );
}

interface TaskErrors {
  readonly title?: string;
  readonly hours?: string;
}

function Tasks({ storyId }: { readonly storyId: string }) {
  const api = useApi();
  const load = useCallback((signal: AbortSignal) => api.planning.listTasks({ storyId, limit: 500 }, { signal }), [api, storyId]);
  const { data, error: loadError, reload } = useLoad(load);
  const [title, setTitle] = useState('');
  const [type, setType] = useState<Role>('DEV');
  const [hours, setHours] = useState('');
  const [errors, setErrors] = useState<TaskErrors>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError('');
    const h = hours.trim() === '' ? 0 : Number(hours);
    const found: TaskErrors = {
      ...(title.trim() === '' ? { title: 'Task title is required: say what the work is.' } : {}),
      ...(!Number.isInteger(h) || h < 0 || h > 1000 ? { hours: 'Estimated hours: a whole number of hours, 0 to 1000.' } : {}),
    };
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await api.planning.createTask({
        storyId,
        title: title.trim(),
        type,
        assignedTo: type,
        estimatedHours: h,
        requestId: newRequestId(),
      });
      setTitle('');
      setHours('');
      reload();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const tasks = data?.tasks ?? [];
  return (
    <section className="story-part" aria-labelledby="tasks-heading">
      <h3 id="tasks-heading">Tasks</h3>
      <ErrorNote message={loadError} />
      {data === undefined ? null : tasks.length === 0 ? (
        <p className="empty">No tasks yet — add the work below. Their types are the councils that deliberate the plan.</p>
      ) : (
        <table className="tasks-table">
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Type</th>
              <th scope="col">Hours</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((t) => (
              <tr key={t.taskId}>
                <td>{t.title}</td>
                <td>{t.type}</td>
                <td>{t.estimatedHours}</td>
                <td>{t.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="row task-form" aria-label="New task" noValidate onSubmit={(e) => void submit(e)}>
        <Field label="Task title" error={errors.title}>
          {({ id, describedBy, invalid }) => (
            <input id={id} value={title} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setTitle(e.target.value)} />
          )}
        </Field>
        <ChoiceField label="Type" value={type} choices={ROLES} onChange={setType} />
        <Field label="Estimated hours" error={errors.hours}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="number"
              min={0}
              max={1000}
              value={hours}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(e) => setHours(e.target.value)}
            />
          )}
        </Field>
        <div className="actions field">
          <button type="submit" disabled={busy}>
            Add task
          </button>
        </div>
      </form>
      <ErrorNote message={error} />
    </section>
  );
}

interface StoryContext {
  readonly story: Story;
  readonly epic: Epic;
  readonly project: Project;
}

interface StoryPanelProps {
  readonly storyId: string;
  /** Tells the page which project and epic the story belongs to, so they show as chosen. */
  readonly onContext: (projectId: string, epicId: string) => void;
  /** The story changed (moved or deleted): lists showing it ask again. */
  readonly onChanged: () => void;
}

/** One story: its state and moves, its readiness, its tasks, its plan's approval and the deliberations it started. */
export function StoryPanel({ storyId, onContext, onChanged }: StoryPanelProps) {
  const api = useApi();
  const load = useCallback(
    async (signal: AbortSignal): Promise<StoryContext> => {
      const story = await api.planning.getStory({ storyId }, { signal });
      const { epic } = await api.planning.getEpic({ epicId: story.epicId }, { signal });
      if (epic === undefined) throw new Error(`the story's epic ${story.epicId} is gone`);
      const { project } = await api.planning.getProject({ projectId: epic.projectId }, { signal });
      if (project === undefined) throw new Error(`the epic's project ${epic.projectId} is gone`);
      return { story, epic, project };
    },
    [api, storyId],
  );
  const { data, error, reload } = useLoad(load);
  const projectId = data?.project.projectId;
  const epicId = data?.epic.epicId;
  useEffect(() => {
    if (projectId !== undefined && epicId !== undefined) onContext(projectId, epicId);
  }, [projectId, epicId, onContext]);

  if (data === undefined) {
    return (
      <article className="story-panel" aria-label="Story">
        <ErrorNote message={error === '' ? '' : `Story ${storyId} cannot be shown: ${error}`} />
        {error === '' ? <p className="meta">Loading the story…</p> : <a href={hrefOf({ view: 'backlog' })}>Back to the backlog</a>}
      </article>
    );
  }
  const { story, epic, project } = data;
  const actor = actorOf(project);
  const changed = (): void => {
    reload();
    onChanged();
  };
  return (
    <article className="story-panel" aria-labelledby="story-heading">
      <h2 id="story-heading">{story.title}</h2>
      <p className="meta">
        <code>{story.storyId}</code> · {project.name} › {epic.title} · by {story.createdBy || '—'} ·{' '}
        <a href={graphHref('Story', story.storyId)}>Context graph</a>
      </p>
      <ErrorNote message={error} />
      <p className="story-state">
        State: <strong>{story.state}</strong>
      </p>
      <StateSteps state={story.state} />
      <Moves story={story} actor={actor} onMoved={changed} />
      <pre className="brief" aria-label="The story’s brief">
        {story.brief}
      </pre>
      <Readiness story={story} project={project} />
      <Tasks storyId={story.storyId} />
      <PlanSection storyId={story.storyId} actor={actor} />
      <div className="actions story-delete">
        <DeleteStory
          storyId={story.storyId}
          onDeleted={() => {
            onChanged();
            navigate(hrefOf({ view: 'backlog' }));
          }}
        />
      </div>
    </article>
  );
}

function DeleteStory({ storyId, onDeleted }: { readonly storyId: string; readonly onDeleted: () => void }) {
  const api = useApi();
  const [error, setError] = useState('');
  const remove = async (): Promise<void> => {
    setError('');
    try {
      await api.planning.deleteStory({ storyId });
      onDeleted();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <>
      <button type="button" className="danger" onClick={() => void remove()}>
        Delete story
      </button>
      <ErrorNote message={error} />
    </>
  );
}
