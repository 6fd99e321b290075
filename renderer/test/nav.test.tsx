// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { renderApp } from './fake-daemon.js';

afterEach(cleanup);

it('offers the seven views by name in the navigation, the current one marked', () => {
  renderApp({ orchestrator: { listCouncils: () => ({ councils: [] }) } }, '#/councils');
  const nav = screen.getByRole('navigation');
  const names = within(nav)
    .getAllByRole('link')
    .map((a) => a.textContent);
  expect(names).toEqual(['Backlog', 'Context graph', 'Councils', 'Deliberations', 'Events', 'Models', 'System']);
  expect(within(nav).getByRole('link', { name: 'Councils' }).getAttribute('aria-current')).toBe('page');
  expect(within(nav).getByRole('link', { name: 'Deliberations' }).getAttribute('href')).toBe('#/deliberations');
});

it('follows the hash to the Models view', async () => {
  renderApp(
    {
      desktop: {
        listModels: () => ({
          current: { name: 'qwen-1.5b', backend: 'llama.cpp', gpu: '', threads: 8, contextTokens: 8192 },
          currentSpec: 'qwen-1.5b',
        }),
      },
      orchestrator: { getMetrics: () => ({}) },
    },
    '#/models',
  );
  expect(await screen.findByText('qwen-1.5b')).toBeTruthy();
  expect(screen.getByText('CPU, 8 threads')).toBeTruthy();
  expect(screen.getByRole('heading', { level: 1, name: 'Models' })).toBeTruthy();
  expect(screen.getByRole('link', { name: 'Models' }).getAttribute('aria-current')).toBe('page');
});
