/** The view lives in the URL hash, so a reload keeps it and the desktop shell can open `#/deliberations/<id>`. */
export type Route =
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
  const simple = SIMPLE.find((v) => v === first);
  return simple === undefined ? { view: 'councils' } : { view: simple };
}

export function hrefOf(route: Route): string {
  return route.view === 'deliberation' ? `#/deliberations/${encodeURIComponent(route.taskId)}` : `#/${route.view}`;
}

export const deliberationHref = (taskId: string): string => hrefOf({ view: 'deliberation', taskId });
