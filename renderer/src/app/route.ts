/** The view lives in the URL hash, so a reload keeps it and the desktop shell can open `#/deliberations/<id>`. */
export type Route =
  | { readonly view: 'backlog'; readonly storyId?: string }
  | { readonly view: 'councils' }
  | { readonly view: 'deliberations' }
  | { readonly view: 'deliberation'; readonly taskId: string }
  | { readonly view: 'events' }
  | { readonly view: 'models' }
  | { readonly view: 'system' }
  | { readonly view: 'graph'; readonly node?: { readonly kind: string; readonly id: string } };

const SIMPLE = ['councils', 'deliberations', 'events', 'models', 'system'] as const;

export function parseHash(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '');
  const [first, second] = parts;
  if (first === 'deliberations' && second !== undefined) return { view: 'deliberation', taskId: decodeURIComponent(second) };
  if (first === 'graph') {
    const id = parts[2];
    return second === undefined || id === undefined
      ? { view: 'graph' }
      : { view: 'graph', node: { kind: decodeURIComponent(second), id: decodeURIComponent(id) } };
  }
  if (first === 'backlog') return second === undefined ? { view: 'backlog' } : { view: 'backlog', storyId: decodeURIComponent(second) };
  const simple = SIMPLE.find((v) => v === first);
  return simple === undefined ? { view: 'councils' } : { view: simple };
}

export function hrefOf(route: Route): string {
  if (route.view === 'deliberation') return `#/deliberations/${encodeURIComponent(route.taskId)}`;
  if (route.view === 'backlog' && route.storyId !== undefined) return `#/backlog/${encodeURIComponent(route.storyId)}`;
  if (route.view === 'graph' && route.node !== undefined)
    return `#/graph/${encodeURIComponent(route.node.kind)}/${encodeURIComponent(route.node.id)}`;
  return `#/${route.view}`;
}

export const deliberationHref = (taskId: string): string => hrefOf({ view: 'deliberation', taskId });

export const storyHref = (storyId: string): string => hrefOf({ view: 'backlog', storyId });

export const graphHref = (kind: string, id: string): string => hrefOf({ view: 'graph', node: { kind, id } });
