// @vitest-environment happy-dom
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { daemonNotice } from '../src/shell/daemon-state.js';
import { DeliberationStatus, renderApp } from './fake-daemon.js';

/** A stand-in for the preload's `window.fleet`: the test says what the main process sends. */
function stubShell() {
  const stateListeners = new Set<(s: DaemonStateView) => void>();
  const linkListeners = new Set<(l: OpenDeliberation) => void>();
  const shell: FleetShell = {
    onDaemonState: (l) => {
      stateListeners.add(l);
      return () => stateListeners.delete(l);
    },
    onOpenDeliberation: (l) => {
      linkListeners.add(l);
      return () => linkListeners.delete(l);
    },
    openExternal: vi.fn(() => Promise.resolve({ opened: true as const })),
  };
  Object.defineProperty(window, 'fleet', { value: shell, configurable: true });
  return {
    state: (s: DaemonStateView) => act(() => stateListeners.forEach((l) => l(s))),
    open: (taskId: string) => act(() => linkListeners.forEach((l) => l({ taskId }))),
    listening: () => stateListeners.size + linkListeners.size,
  };
}

const councils = { orchestrator: { listCouncils: () => ({ councils: [] }) } };

afterEach(() => {
  cleanup();
  Reflect.deleteProperty(window, 'fleet');
});

it('shows one full-page message in words, and the nav, when the page was opened without a token', async () => {
  const listCouncils = vi.fn(() => ({ councils: [] }));
  renderApp({ orchestrator: { listCouncils } }, '#/councils', { tokenMissing: true });
  const alert = screen.getByRole('alert');
  expect(within(alert).getByRole('heading', { level: 1 }).textContent).toBe('This page has no token for the daemon');
  expect(alert.textContent).toMatch(/Open the address that fleet serve or fleet ui printed/);
  // Nothing of the views: no start form, no calls that can only fail.
  expect(screen.queryByLabelText('Task')).toBeNull();
  expect(screen.queryByRole('button', { name: 'Start deliberation' })).toBeNull();
  expect(screen.getAllByRole('alert')).toHaveLength(1);
  expect(within(screen.getByRole('navigation')).getAllByRole('link')).toHaveLength(7);
  await new Promise((r) => setTimeout(r, 20));
  expect(listCouncils).not.toHaveBeenCalled();
  // Another view in the nav says the same.
  window.location.hash = '#/events';
  await waitFor(() => expect(screen.getByRole('link', { name: 'Events' }).getAttribute('aria-current')).toBe('page'));
  expect(screen.getByRole('alert').textContent).toMatch(/no token/);
});

it('shows the views when a token came with the page', async () => {
  renderApp(councils, '#/councils');
  expect(await screen.findByLabelText('Task')).toBeTruthy();
  expect(screen.queryByText(/no token/)).toBeNull();
});

it('says nothing of a daemon when there is no desktop shell (a plain browser)', () => {
  renderApp(councils, '#/councils');
  expect(screen.queryByRole('status', { name: 'Daemon' })).toBeNull();
  expect(screen.queryByRole('alert', { name: 'Daemon' })).toBeNull();
});

it('in the desktop shell, says what the daemon is doing: starting, crashed with the restart countdown, running again', async () => {
  const shell = stubShell();
  renderApp(councils, '#/councils');
  expect(shell.listening()).toBe(2);
  shell.state({ kind: 'starting', restarts: 0 });
  expect(screen.getByRole('status', { name: 'Daemon' }).textContent).toBe('Starting the daemon…');

  const at = new Date(Date.now()).toISOString();
  shell.state({
    kind: 'crashed',
    restarts: 1,
    lastCrash: { reason: 'the daemon exited with code 1: out of memory', at, restartInMs: 4000 },
  });
  const crashed = screen.getByRole('alert', { name: 'Daemon' });
  await waitFor(() => expect(crashed.textContent).toMatch(/restarting in [34] s/));
  expect(crashed.textContent).toMatch(
    /^The daemon stopped unexpectedly \(the daemon exited with code 1: out of memory\); restarting in [34] s\. This window stays open/,
  );
  // The window stays up: the view under the banner is still there.
  expect(screen.getByRole('heading', { level: 1, name: 'Councils' })).toBeTruthy();

  shell.state({ kind: 'starting', restarts: 1, lastCrash: { reason: 'x', at, restartInMs: 4000 } });
  expect(screen.getByRole('status', { name: 'Daemon' }).textContent).toBe('Restarting the daemon (restart 1)…');
  shell.state({ kind: 'ready', restarts: 1, lastCrash: { reason: 'the daemon exited with code 1', at, restartInMs: 4000 } });
  expect(screen.getByRole('status', { name: 'Daemon' }).textContent).toMatch(/^The daemon is running again\. It stopped unexpectedly at /);
  shell.state({ kind: 'ready', restarts: 0 });
  expect(screen.queryByRole('status', { name: 'Daemon' })).toBeNull();
  shell.state({ kind: 'stopped', restarts: 0 });
  expect(screen.getByRole('alert', { name: 'Daemon' }).textContent).toMatch(/The daemon has stopped/);
});

it('counts the restart down as time passes', () => {
  const crash = { reason: 'the daemon exited with signal SIGKILL', at: '2026-01-01T00:00:00.000Z', restartInMs: 8000 };
  const start = Date.parse(crash.at);
  expect(daemonNotice({ kind: 'crashed', restarts: 1, lastCrash: crash }, start)?.text).toMatch(/restarting in 8 s/);
  expect(daemonNotice({ kind: 'crashed', restarts: 1, lastCrash: crash }, start + 5500)?.text).toMatch(/restarting in 3 s/);
  expect(daemonNotice({ kind: 'crashed', restarts: 1, lastCrash: crash }, start + 9000)?.text).toMatch(/restarting now/);
  const long = daemonNotice(
    { kind: 'crashed', restarts: 1, lastCrash: { ...crash, reason: 'the daemon exited with code 1: boom\nat line 2' } },
    start,
  );
  expect(long?.text).toMatch(/\(the daemon exited with code 1: boom\)/);
  expect(long?.detail).toBe('the daemon exited with code 1: boom\nat line 2');
});

it('opens the deliberation a swefleet:// link names', async () => {
  const shell = stubShell();
  renderApp(
    {
      ...councils,
      orchestrator: {
        ...councils.orchestrator,
        getDeliberationResult: () => ({
          taskId: 't-42',
          status: DeliberationStatus.COMPLETED,
          winnerId: 'dev-1',
          results: [{ proposal: { authorId: 'dev-1', content: 'x' } }],
        }),
      },
    },
    '#/councils',
  );
  shell.open('t-42');
  await waitFor(() => expect(window.location.hash).toBe('#/deliberations/t-42'));
  expect(await screen.findByText('Winner: dev-1')).toBeTruthy();
});

it('waits for the daemon instead of blaming the address when the shell has not handed over a token yet', () => {
  const shell = stubShell();
  renderApp(councils, '#/councils', { tokenMissing: true });
  shell.state({ kind: 'starting', restarts: 0 });
  expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Waiting for the daemon');
  expect(screen.queryByText(/fleet serve/)).toBeNull();
  expect(screen.getByRole('status', { name: 'Daemon' }).textContent).toBe('Starting the daemon…');
});
