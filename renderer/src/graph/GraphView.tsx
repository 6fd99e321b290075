import { Code, ConnectError } from '@connectrpc/connect';
import { type Edge, type Node, Position, ReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { type FormEvent, useCallback, useMemo, useState } from 'react';
import type { GetGraphRelationshipsResponse, GraphNode } from '../../../proto/gen-es/fleet/context/v1/context_pb.js';
import { graphHref } from '../app/route.js';
import { navigate } from '../app/use-route.js';
import { useLoad } from '../backlog/use-load.js';
import { ROLES } from '../councils/roles.js';
import { useApi } from '../shared/api-context.js';
import { ErrorNote } from '../shared/ErrorNote.js';
import { ChoiceField, Field } from '../shared/Field.js';
import { DEPTHS, decisionHistory, kindOf, layout, NODE_KINDS, nodeName, PHASES } from './graph-model.js';

interface NodeAddress {
  readonly kind: string;
  readonly id: string;
}

/** The stories the Backlog holds, to centre on one without knowing its id. */
function StoryChoice({ current }: { readonly current: string }) {
  const api = useApi();
  const load = useCallback((signal: AbortSignal) => api.planning.listStories({}, { signal }), [api]);
  const { data, error } = useLoad(load);
  return (
    <Field label="Story" error={error === '' ? undefined : `The stories could not be listed: ${error}`}>
      {({ id, describedBy, invalid }) => (
        <select
          id={id}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          value={data?.stories.some((s) => s.storyId === current) === true ? current : ''}
          onChange={(e) => {
            if (e.target.value !== '') navigate(graphHref('Story', e.target.value));
          }}
        >
          <option value="">
            {data === undefined ? 'Listing the stories…' : data.stories.length === 0 ? 'No stories yet' : 'Choose a story'}
          </option>
          {data?.stories.map((s) => (
            <option key={s.storyId} value={s.storyId}>
              {s.title}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Which node to centre on: a story from the list, or any node by kind and id; kept in the address so a reload or a link opens it again. */
function Picker({ at }: { readonly at: NodeAddress | undefined }) {
  const [kind, setKind] = useState(at?.kind ?? 'Story');
  const [id, setId] = useState(at?.id ?? '');
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (id.trim() !== '') navigate(graphHref(kind, id.trim()));
  };
  return (
    <form className="graph-picker" aria-label="Centre the graph on" onSubmit={submit}>
      <StoryChoice current={at?.kind === 'Story' ? at.id : ''} />
      <Field label="Kind" error={undefined}>
        {({ id: fieldId }) => (
          <select id={fieldId} value={kind} onChange={(e) => setKind(e.target.value)}>
            {NODE_KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Id" error={undefined} hint="A story's or decision's id, as the Backlog shows it.">
        {({ id: fieldId, describedBy }) => (
          <input id={fieldId} aria-describedby={describedBy} value={id} onChange={(e) => setId(e.target.value)} />
        )}
      </Field>
      <button type="submit" disabled={id.trim() === ''}>
        Show
      </button>
    </form>
  );
}

/** The neighbourhood drawn; the same nodes and relationships as lists, for keyboards and screen readers. */
function Drawing({ graph }: { readonly graph: GetGraphRelationshipsResponse }) {
  const byId = useMemo(() => new Map([...(graph.node ? [graph.node] : []), ...graph.neighbors].map((n) => [n.id, n])), [graph]);
  const nameOf = (id: string): string => {
    const node = byId.get(id);
    return node === undefined ? id : nodeName(node);
  };
  const nodes: Node[] = layout(graph).map(({ node, x, y }) => ({
    id: node.id,
    position: { x, y },
    data: { label: nodeName(node) },
    ariaLabel: nodeName(node),
    className: `graph-node kind-${kindOf(node)}${node.id === graph.node?.id ? ' centre' : ''}`,
    connectable: false,
    sourcePosition: Position.Right,
    targetPosition: Position.Left,
  }));
  const edges: Edge[] = graph.relationships.map((r) => ({
    id: `${r.fromNodeId}-${r.type}-${r.toNodeId}`,
    source: r.fromNodeId,
    target: r.toNodeId,
    label: r.type,
    ariaLabel: `${nameOf(r.fromNodeId)} ${r.type} ${nameOf(r.toNodeId)}`,
  }));
  const recentre = (node: GraphNode): void => navigate(graphHref(kindOf(node), node.id));
  return (
    <>
      <div className="graph-canvas" role="figure" aria-label="Neighbourhood graph">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          fitView
          nodesDraggable={false}
          nodesConnectable={false}
          onNodeClick={(_, n) => {
            const node = byId.get(n.id);
            if (node !== undefined) recentre(node);
          }}
        />
      </div>
      <div className="graph-lists">
        <section aria-labelledby="graph-nodes-heading">
          <h2 id="graph-nodes-heading">Nodes</h2>
          <ul>
            {[...byId.values()].map((n) => (
              <li key={n.id}>
                <a href={graphHref(kindOf(n), n.id)} aria-current={n.id === graph.node?.id ? 'page' : undefined}>
                  {nodeName(n)}
                </a>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="graph-edges-heading">
          <h2 id="graph-edges-heading">Relationships</h2>
          {graph.relationships.length === 0 ? (
            <p className="meta">No relationships within this depth.</p>
          ) : (
            <ul aria-label="Relationships">
              {graph.relationships.map((r) => (
                <li key={`${r.fromNodeId}-${r.type}-${r.toNodeId}`}>
                  {nameOf(r.fromNodeId)} <strong>{r.type}</strong> {nameOf(r.toNodeId)}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}

/** The decisions that affect the node, newest first, the superseded ones said so. */
function DecisionHistory({ graph }: { readonly graph: GetGraphRelationshipsResponse }) {
  const history = decisionHistory(graph);
  return (
    <section className="story-part" aria-labelledby="decisions-heading">
      <h2 id="decisions-heading">Decision history</h2>
      {history.length === 0 ? (
        <p className="meta">No decision affects it yet.</p>
      ) : (
        <ol aria-label="Decisions, newest first">
          {history.map(({ node, superseded }) => (
            <li key={node.id} className={superseded ? 'superseded' : undefined}>
              <a href={graphHref('Decision', node.id)}>{node.title || node.id}</a>
              {superseded ? ' (superseded)' : ''}
              <span className="meta"> {node.properties['updated_at'] ?? ''}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** What the prompt of an agent in a role and phase would hold for the story, as GetContext builds it. */
function RolePrompt({ storyId }: { readonly storyId: string }) {
  const api = useApi();
  const [role, setRole] = useState<string>('DEV');
  const [phase, setPhase] = useState<string>('BUILD');
  const [budget, setBudget] = useState('');
  const tokenBudget = Number.parseInt(budget, 10);
  const load = useCallback(
    (signal: AbortSignal) =>
      api.context.getContext({ storyId, role, phase, tokenBudget: Number.isNaN(tokenBudget) ? 0 : tokenBudget }, { signal }),
    [api, storyId, role, phase, tokenBudget],
  );
  const { data, error } = useLoad(load);
  return (
    <section className="story-part" aria-labelledby="prompt-heading">
      <h2 id="prompt-heading">A role’s prompt</h2>
      <div className="graph-picker">
        <ChoiceField label="Role" value={role} choices={ROLES} onChange={setRole} />
        <ChoiceField label="Phase" value={phase} choices={PHASES} onChange={setPhase} />
        <Field label="Token budget" error={undefined} hint="Empty: no budget.">
          {({ id, describedBy }) => (
            <input
              id={id}
              type="number"
              min={1}
              aria-describedby={describedBy}
              value={budget}
              onChange={(e) => setBudget(e.target.value)}
            />
          )}
        </Field>
      </div>
      <ErrorNote message={error === '' ? '' : `No context for ${role} in ${phase}: ${error}`} />
      {data === undefined ? (
        error === '' ? (
          <p className="meta">Building the context…</p>
        ) : null
      ) : (
        <>
          <p className="meta">
            {data.tokenCount} tokens{Number.isNaN(tokenBudget) ? '' : ` of a ${tokenBudget} budget`} · version <code>{data.version}</code> ·
            scopes {data.scopes.length === 0 ? 'none' : data.scopes.join(', ')}
          </p>
          <pre className="brief" aria-label={`The ${role} prompt in ${phase}`}>
            {data.context}
          </pre>
        </>
      )}
    </section>
  );
}

/** A node's neighbourhood in the context graph; for a story, its decisions and what a role's prompt would hold. */
export function GraphView({ node }: { readonly node: NodeAddress | undefined }) {
  return (
    <article className="graph-view" aria-labelledby="graph-heading">
      <h1 id="graph-heading">Context graph</h1>
      <Picker key={node === undefined ? 'picker' : `picker:${node.kind}/${node.id}`} at={node} />
      {node === undefined ? (
        <p className="meta">Choose a story or a decision to see what surrounds it, or open one from the Backlog.</p>
      ) : (
        <Neighbourhood key={`${node.kind}/${node.id}`} at={node} />
      )}
    </article>
  );
}

function Neighbourhood({ at }: { readonly at: NodeAddress }) {
  const api = useApi();
  const [depth, setDepth] = useState(2);
  const load = useCallback(
    async (signal: AbortSignal) => {
      try {
        return await api.context.getGraphRelationships({ nodeId: at.id, nodeType: at.kind, depth }, { signal });
      } catch (e) {
        const error = ConnectError.from(e);
        if (error.code === Code.NotFound) throw new ConnectError(`There is no ${at.kind} ${at.id} in the context graph.`, Code.NotFound);
        throw error;
      }
    },
    [api, at, depth],
  );
  const { data, error } = useLoad(load);
  return (
    <>
      <div className="graph-picker">
        <ChoiceField label="Depth" value={depth} choices={DEPTHS} onChange={setDepth} hint="How many hops from the node to draw." />
      </div>
      <ErrorNote message={error} />
      {data === undefined ? (
        error === '' ? (
          <p className="meta">Reading the graph…</p>
        ) : null
      ) : (
        <>
          <p className="meta">{data.message}</p>
          <Drawing graph={data} />
          <DecisionHistory graph={data} />
          {at.kind === 'Story' ? <RolePrompt storyId={at.id} /> : null}
        </>
      )}
    </>
  );
}
