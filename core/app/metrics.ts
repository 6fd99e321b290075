import type { Council } from '../domain/council.js';
import type { Role } from '../domain/role.js';
import type { DeliberationOutcome, TurnTotals } from '../ports/deliberation-store.js';
import type { CouncilHealth, ServiceMetrics } from '../ports/status-service.js';

/** A deliberation running in this process: which council, and how many of its agents it holds. */
export interface RunningDeliberation {
  readonly councilId: string;
  readonly role: Role;
  readonly agents: number;
}

export interface MetricsInput {
  readonly outcomes: readonly DeliberationOutcome[];
  readonly turns: TurnTotals;
  readonly councils: readonly Council[];
  readonly running: readonly RunningDeliberation[];
}

/** Nearest-rank percentile of values sorted ascending; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

const mean = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

function countBy<T>(items: readonly T[], key: (item: T) => Role, weight: (item: T) => number = () => 1): Partial<Record<Role, number>> {
  const counts: Partial<Record<Role, number>> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + weight(item);
  return counts;
}

export function computeMetrics({ outcomes, turns, councils, running }: MetricsInput): ServiceMetrics {
  const durations = outcomes.map((o) => o.durationMs).sort((a, b) => a - b);
  const orchestrations = outcomes.filter((o) => o.orchestrated);
  const completed = outcomes.filter((o) => o.status === 'COMPLETED').length;
  const busyAgents = new Map<string, number>();
  for (const r of running) busyAgents.set(r.councilId, (busyAgents.get(r.councilId) ?? 0) + r.agents);

  const councilHealth = councils.map((c): CouncilHealth => {
    const own = outcomes.filter((o) => o.councilId === c.id);
    const busy = Math.min(c.agents.length, busyAgents.get(c.id) ?? 0);
    return {
      councilId: c.id,
      role: c.role,
      status: busyAgents.has(c.id) ? 'busy' : 'idle',
      availableAgents: c.agents.length - busy,
      busyAgents: busy,
      successRate: own.length === 0 ? 1 : own.filter((o) => o.status === 'COMPLETED').length / own.length,
    };
  });

  return {
    deliberations: {
      total: outcomes.length + running.length,
      orchestrations: orchestrations.length,
      completed,
      failed: outcomes.length - completed,
      running: running.length,
      byRole: countBy([...outcomes, ...running], (o) => o.role),
    },
    latencyMs: {
      avgDeliberation: mean(durations),
      avgOrchestration: mean(orchestrations.map((o) => o.durationMs)),
      p50: percentile(durations, 50),
      p95: percentile(durations, 95),
      p99: percentile(durations, 99),
    },
    agents: {
      total: councils.reduce((sum, c) => sum + c.agents.length, 0),
      active: running.reduce((sum, r) => sum + r.agents, 0),
      byRole: countBy(
        councils,
        (c) => c.role,
        (c) => c.agents.length,
      ),
      turns: turns.turns,
      failedTurns: turns.failed,
      completionTokens: turns.completionTokens,
      avgTurnMs: turns.avgDurationMs,
    },
    councils: councilHealth,
  };
}
