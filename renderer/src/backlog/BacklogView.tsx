import { type FormEvent, useCallback, useState } from 'react';
import type { Epic, Project, Story } from '../../../proto/gen-es/fleet/planning/v2/planning_pb.js';
import { errorText } from '../api.js';
import { storyHref } from '../app/route.js';
import { navigate } from '../app/use-route.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { ChoiceField, Field } from '../shared/Field.js';
import { StoryPanel } from './StoryPanel.js';
import { actorOf, BRIEF_HINT, DEFAULT_RIGOR, DOR_THRESHOLD, RIGOR_LEVELS, type RigorLevel } from './story-model.js';
import { useLoad } from './use-load.js';

/** A delete button for one item, its refusal shown beside it. */
function DeleteButton({ label, onDelete }: { readonly label: string; readonly onDelete: () => Promise<unknown> }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const remove = async (): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      await onDelete();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="danger" aria-label={label} disabled={busy} onClick={() => void remove()}>
        Delete
      </button>
      <ErrorNote message={error} />
    </>
  );
}

function ProjectForm({ onCreated }: { readonly onCreated: (project: Project) => void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [owner, setOwner] = useState('');
  const [rigor, setRigor] = useState<RigorLevel>(DEFAULT_RIGOR);
  const [nameError, setNameError] = useState<string | undefined>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError('');
    if (name.trim() === '') {
      setNameError('Name is required: say what the project is.');
      return;
    }
    setNameError(undefined);
    setBusy(true);
    try {
      const { project } = await api.planning.createProject({ name: name.trim(), description, owner, rigorLevel: rigor });
      setName('');
      setDescription('');
      if (project !== undefined) onCreated(project);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="backlog-form" aria-labelledby="new-project-heading" noValidate onSubmit={(e) => void submit(e)}>
      <h3 id="new-project-heading">New project</h3>
      <Field label="Name" error={nameError}>
        {({ id, describedBy, invalid }) => (
          <input id={id} value={name} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setName(e.target.value)} />
        )}
      </Field>
      <Field label="Description" error={undefined}>
        {({ id }) => <textarea id={id} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <div className="row">
        <Field label="Owner" error={undefined} hint="The product owner; approvals are made in this name">
          {({ id, describedBy }) => (
            <input id={id} value={owner} aria-describedby={describedBy} onChange={(e) => setOwner(e.target.value)} />
          )}
        </Field>
        <ChoiceField
          label="Rigor"
          value={rigor}
          choices={RIGOR_LEVELS}
          onChange={setRigor}
          hint="The DoR score a story needs to go to review"
          text={(r) => `${r} — DoR ${DOR_THRESHOLD[r]}`}
        />
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Create project
        </button>
        <ErrorNote message={error} />
      </div>
    </form>
  );
}

function EpicForm({ project, onCreated }: { readonly project: Project; readonly onCreated: (epic: Epic) => void }) {
  const api = useApi();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [titleError, setTitleError] = useState<string | undefined>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError('');
    if (title.trim() === '') {
      setTitleError('Epic title is required: name the capability the stories build.');
      return;
    }
    setTitleError(undefined);
    setBusy(true);
    try {
      const { epic } = await api.planning.createEpic({ projectId: project.projectId, title: title.trim(), description });
      setTitle('');
      setDescription('');
      if (epic !== undefined) onCreated(epic);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="backlog-form" aria-labelledby="new-epic-heading" noValidate onSubmit={(e) => void submit(e)}>
      <h3 id="new-epic-heading">New epic in {project.name}</h3>
      <Field label="Epic title" error={titleError}>
        {({ id, describedBy, invalid }) => (
          <input id={id} value={title} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setTitle(e.target.value)} />
        )}
      </Field>
      <Field label="Epic description" error={undefined}>
        {({ id }) => <textarea id={id} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Create epic
        </button>
        <ErrorNote message={error} />
      </div>
    </form>
  );
}

interface StoryErrors {
  readonly title?: string;
  readonly brief?: string;
}

function StoryForm({
  epic,
  createdBy,
  onCreated,
}: {
  readonly epic: Epic;
  readonly createdBy: string;
  readonly onCreated: (story: Story) => void;
}) {
  const api = useApi();
  const [title, setTitle] = useState('');
  const [brief, setBrief] = useState('');
  const [errors, setErrors] = useState<StoryErrors>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError('');
    const found: StoryErrors = {
      ...(title.trim() === '' ? { title: 'Title is required: say what the story delivers.' } : {}),
      ...(brief.trim() === '' ? { brief: 'Brief is required: who needs what and why, and its acceptance criteria.' } : {}),
    };
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const { story } = await api.planning.createStory({ epicId: epic.epicId, title: title.trim(), brief, createdBy });
      setTitle('');
      setBrief('');
      if (story !== undefined) onCreated(story);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="backlog-form" aria-labelledby="new-story-heading" noValidate onSubmit={(e) => void submit(e)}>
      <h3 id="new-story-heading">New story in {epic.title}</h3>
      <Field label="Title" error={errors.title}>
        {({ id, describedBy, invalid }) => (
          <input id={id} value={title} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setTitle(e.target.value)} />
        )}
      </Field>
      <Field label="Brief" error={errors.brief} hint={BRIEF_HINT}>
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            rows={7}
            value={brief}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            placeholder={'As a …, I want …, so that …\n\nAcceptance criteria:\n- Given … When … Then …'}
            onChange={(e) => setBrief(e.target.value)}
          />
        )}
      </Field>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Create story
        </button>
        <ErrorNote message={error} />
      </div>
    </form>
  );
}

function StoriesSection({
  epic,
  createdBy,
  openStoryId,
  version,
}: {
  readonly epic: Epic;
  readonly createdBy: string;
  readonly openStoryId: string | undefined;
  readonly version: number;
}) {
  const api = useApi();
  const load = useCallback(
    (signal: AbortSignal) => api.planning.listStories({ epicId: epic.epicId, limit: 500 }, { signal }),
    [api, epic.epicId],
  );
  // A change made in the story panel (a move, a deletion) bumps `version`: the list asks again.
  const { data, error, reload } = useLoad(load, { version });
  const stories = data?.stories ?? [];
  return (
    <section className="backlog-level" aria-labelledby="stories-heading">
      <h2 id="stories-heading">Stories in {epic.title}</h2>
      <ErrorNote message={error} />
      {data === undefined ? (
        error === '' ? (
          <p className="meta">Loading stories…</p>
        ) : null
      ) : stories.length === 0 ? (
        <p className="empty">No stories in {epic.title} yet — write one below: a title, and a brief with its acceptance criteria.</p>
      ) : (
        <ul className="pick-list" aria-label={`Stories in ${epic.title}`}>
          {stories.map((s) => (
            <li key={s.storyId}>
              <a href={storyHref(s.storyId)} aria-current={s.storyId === openStoryId ? 'page' : undefined}>
                {s.title}
              </a>
              <span className="meta">
                {' '}
                {s.state} · DoR {s.dorScore}
              </span>
            </li>
          ))}
        </ul>
      )}
      <StoryForm
        epic={epic}
        createdBy={createdBy}
        onCreated={(story) => {
          reload();
          navigate(storyHref(story.storyId));
        }}
      />
    </section>
  );
}

interface Selection {
  readonly projectId?: string;
  readonly epicId?: string;
}

/**
 * The product owner's view: projects, their epics and the epics' stories on the left; the story open
 * (`#/backlog/<storyId>`) on the right, with its readiness, its moves, its tasks and its plan.
 */
export function BacklogView({ storyId }: { readonly storyId?: string | undefined }) {
  const api = useApi();
  const [chosen, setChosen] = useState<Selection>({});
  const [version, setVersion] = useState(0);
  const changed = useCallback(() => setVersion((v) => v + 1), []);

  const loadProjects = useCallback((signal: AbortSignal) => api.planning.listProjects({ limit: 500 }, { signal }), [api]);
  const projects = useLoad(loadProjects);
  const projectId = chosen.projectId;
  const loadEpics = useCallback(
    (signal: AbortSignal) =>
      projectId === undefined ? Promise.resolve(undefined) : api.planning.listEpics({ projectId, limit: 500 }, { signal }),
    [api, projectId],
  );
  const epics = useLoad(loadEpics);

  const project = projects.data?.projects.find((p) => p.projectId === projectId);
  const epic = epics.data?.epics.find((e) => e.epicId === chosen.epicId);
  const selectProject = (id: string): void => setChosen({ projectId: id });
  const onContext = useCallback(
    (p: string, e: string) => setChosen((c) => (c.projectId === p && c.epicId === e ? c : { projectId: p, epicId: e })),
    [],
  );

  return (
    <div className="backlog">
      <h1>Backlog</h1>
      <div className="backlog-grid">
        <div className="backlog-tree">
          <section className="backlog-level" aria-labelledby="projects-heading">
            <h2 id="projects-heading">Projects</h2>
            <ErrorNote message={projects.error} />
            {projects.data === undefined ? (
              projects.error === '' ? (
                <p className="meta">Loading projects…</p>
              ) : null
            ) : projects.data.projects.length === 0 ? (
              <p className="empty">No projects yet — create one below: a name is enough to start.</p>
            ) : (
              <ul className="pick-list" aria-label="Projects">
                {projects.data.projects.map((p) => (
                  <li key={p.projectId}>
                    <button
                      type="button"
                      className="pick"
                      aria-pressed={p.projectId === projectId}
                      onClick={() => selectProject(p.projectId)}
                    >
                      {p.name}
                    </button>
                    <span className="meta">
                      {' '}
                      rigor {p.rigorLevel || DEFAULT_RIGOR}
                      {p.owner === '' ? '' : ` · ${p.owner}`}
                    </span>
                    <DeleteButton
                      label={`Delete project ${p.name}`}
                      onDelete={async () => {
                        await api.planning.deleteProject({ projectId: p.projectId });
                        if (p.projectId === projectId) setChosen({});
                        projects.reload();
                      }}
                    />
                  </li>
                ))}
              </ul>
            )}
            <ProjectForm
              onCreated={(p) => {
                projects.reload();
                selectProject(p.projectId);
              }}
            />
          </section>

          {project === undefined ? null : (
            <section className="backlog-level" aria-labelledby="epics-heading">
              <h2 id="epics-heading">Epics in {project.name}</h2>
              <ErrorNote message={epics.error} />
              {epics.data === undefined ? (
                epics.error === '' ? (
                  <p className="meta">Loading epics…</p>
                ) : null
              ) : epics.data.epics.length === 0 ? (
                <p className="empty">No epics in {project.name} yet — add one below, then write its stories.</p>
              ) : (
                <ul className="pick-list" aria-label={`Epics in ${project.name}`}>
                  {epics.data.epics.map((e) => (
                    <li key={e.epicId}>
                      <button
                        type="button"
                        className="pick"
                        aria-pressed={e.epicId === chosen.epicId}
                        onClick={() => setChosen({ projectId: project.projectId, epicId: e.epicId })}
                      >
                        {e.title}
                      </button>
                      {e.description === '' ? null : <span className="meta"> {e.description}</span>}
                      <DeleteButton
                        label={`Delete epic ${e.title}`}
                        onDelete={async () => {
                          await api.planning.deleteEpic({ epicId: e.epicId });
                          if (e.epicId === chosen.epicId) setChosen({ projectId: project.projectId });
                          epics.reload();
                        }}
                      />
                    </li>
                  ))}
                </ul>
              )}
              <EpicForm
                project={project}
                onCreated={(e) => {
                  epics.reload();
                  setChosen({ projectId: project.projectId, epicId: e.epicId });
                }}
              />
            </section>
          )}

          {epic === undefined ? null : <StoriesSection epic={epic} createdBy={actorOf(project)} openStoryId={storyId} version={version} />}
        </div>

        <div className="backlog-detail">
          {storyId === undefined ? (
            <p className="empty">
              {project === undefined
                ? 'Pick a project (or create one), then an epic, then open a story to check its readiness, move it along and approve its plan.'
                : epic === undefined
                  ? `Pick an epic of ${project.name} (or create one) to see its stories.`
                  : `Open a story of ${epic.title}, or write one, to check its readiness, move it along and approve its plan.`}
            </p>
          ) : (
            <StoryPanel key={storyId} storyId={storyId} onContext={onContext} onChanged={changed} />
          )}
        </div>
      </div>
    </div>
  );
}
