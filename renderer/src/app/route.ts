/** The view lives in the URL hash, so a reload keeps it and the desktop shell can open `#/deliberations/<id>`. */
export type Route =
  | { readonly view: 'backlog'; readonly storyId?: string }
  | { readonly view: 'councils' }
  | { readonly view: 'deliberations' }
  | { readonly view: 'deliberation'; readonly taskId: string }
  | { readonly view: 'events' }
  | { readonly view: 'models' }
  | { readonly view: 'system' };

const SIMPLE = ['councils', 'deliberations', 'events', 'models', 'system'] as const;

export function parseHash(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '');
  const [first, second] = parts;
  if (first === 'deliberations' && second !== undefined) return { view: 'deliberation', taskId: decodeURIComponent(second) };
  if (first === 'backlog') return second === undefined ? { view: 'backlog' } : { view: 'backlog', storyId: decodeURIComponent(second) };
  const simple = SIMPLE.find((v) => v === first);
  return simple === undefined ? { view: 'councils' } : { view: simple };
}

export function hrefOf(route: Route): string {
  if (route.view === 'deliberation') return `#/deliberations/${encodeURIComponent(route.taskId)}`;
  if (route.view === 'backlog' && route.storyId !== undefined) return `#/backlog/${encodeURIComponent(route.storyId)}`;
  return `#/${route.view}`;
}

export const deliberationHref = (taskId: string): string => hrefOf({ view: 'deliberation', taskId });

export const storyHref = (storyId: string): string => hrefOf({ view: 'backlog', storyId });
