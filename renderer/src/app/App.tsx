import { useEffect } from 'react';
import type { FleetApi } from '../api.js';
import { BacklogView } from '../backlog/BacklogView.js';
import { CouncilsView } from '../councils/CouncilsView.js';
import { DeliberationPage } from '../deliberation/DeliberationPage.js';
import { GraphView } from '../graph/GraphView.js';
import { EventsView } from '../events/EventsView.js';
import { HistoryView } from '../history/HistoryView.js';
import { ModelsView } from '../models/ModelsView.js';
import { ApiContext } from '../shared/api-context.js';
import { DaemonBanner, useDaemonState } from '../shell/DaemonBanner.js';
import { NoAccess } from '../shell/NoAccess.js';
import { SystemView } from '../system/SystemView.js';
import { deliberationHref, hrefOf, type Route } from './route.js';
import { navigate, useRoute } from './use-route.js';

const NAV: readonly { readonly label: string; readonly route: Route }[] = [
  { label: 'Backlog', route: { view: 'backlog' } },
  { label: 'Context graph', route: { view: 'graph' } },
  { label: 'Councils', route: { view: 'councils' } },
  { label: 'Deliberations', route: { view: 'deliberations' } },
  { label: 'Events', route: { view: 'events' } },
  { label: 'Models', route: { view: 'models' } },
  { label: 'System', route: { view: 'system' } },
];

// A deliberation opened from the history belongs under Deliberations in the nav.
const section = (route: Route): Route['view'] => (route.view === 'deliberation' ? 'deliberations' : route.view);

function View({ route }: { readonly route: Route }) {
  switch (route.view) {
    case 'backlog':
      return <BacklogView storyId={route.storyId} />;
    case 'councils':
      return <CouncilsView />;
    case 'deliberations':
      return <HistoryView />;
    case 'deliberation':
      // Keyed so a different deliberation starts from a fresh state.
      return <DeliberationPage key={route.taskId} taskId={route.taskId} />;
    case 'events':
      return <EventsView />;
    case 'models':
      return <ModelsView />;
    case 'system':
      return <SystemView />;
    case 'graph':
      return <GraphView node={route.node} />;
  }
}

/** The desktop shell's part: its daemon's state above the views, and deep links opening a deliberation. */
function Shell({ shell }: { readonly shell: FleetShell }) {
  const state = useDaemonState(shell);
  useEffect(() => shell.onOpenDeliberation((link) => navigate(deliberationHref(link.taskId))), [shell]);
  return <DaemonBanner state={state} />;
}

interface AppProps {
  readonly api: FleetApi;
  /** The page was opened without the launch token: no call can succeed, so the views are not shown. */
  readonly tokenMissing?: boolean;
  /** The desktop shell's `window.fleet` (the default); undefined in a plain browser. */
  readonly shell?: FleetShell | undefined;
}

export function App({ api, tokenMissing = false, shell = window.fleet }: AppProps) {
  const route = useRoute();
  return (
    <ApiContext value={api}>
      <header className="top">
        <span className="brand">SWE Fleet</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((entry) => (
              <li key={entry.label}>
                <a href={hrefOf(entry.route)} aria-current={section(route) === entry.route.view ? 'page' : undefined}>
                  {entry.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      {shell === undefined ? null : <Shell shell={shell} />}
      <main>{tokenMissing ? <NoAccess inShell={shell !== undefined} /> : <View route={route} />}</main>
    </ApiContext>
  );
}
