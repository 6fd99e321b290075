import { terminalSafe } from '../../core/base/terminal-text.js';
import { attemptOf, type Deliberation } from '../../core/domain/deliberation.js';

const cut = (text: string, n: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
};

/**
 * The ranked results as a plain-text table, with the winner and anything that went wrong. Model output
 * and error text are printed escaped, a line at a time, so none of it acts on the terminal.
 */
export function resultTable(d: Deliberation): string {
  const lines = [
    `Deliberation ${d.taskId} · ${d.role} · ${d.status} · model ${d.model}${d.durationMs === undefined ? '' : ` · ${(d.durationMs / 1000).toFixed(1)} s`}`,
  ];
  if (d.results.length > 0) {
    const reqs = d.task.constraints.requirements.length;
    lines.push('', 'Rank  Agent        Score  Rubric  Checks  Reqs   Summary');
    for (const r of d.results) {
      const met = Math.round(r.checks.requirementCoverage * reqs);
      lines.push(
        [
          String(r.rank).padEnd(4),
          r.proposal.authorId.padEnd(11),
          r.score.total.toFixed(2).padStart(5),
          r.score.rubric.toFixed(2).padStart(6),
          r.score.checks.toFixed(2).padStart(6),
          `${met}/${reqs}`.padStart(5),
          cut(r.proposal.content.summary || r.proposal.content.approach, 60),
        ].join('  '),
      );
    }
  }
  if (d.winnerId !== undefined) lines.push('', `Winner: ${d.winnerId}`);
  if (d.decision !== undefined)
    lines.push(`Architect's choice among ${d.decision.candidates.join(', ')}: ${d.decision.chosenId} — ${cut(d.decision.rationale, 300)}`);
  for (const f of d.failures)
    lines.push(`Failure: ${f.agentId} in ${f.phase}${f.round === undefined ? '' : ` (round ${f.round})`}: ${f.message}`);
  if (d.error !== undefined) lines.push(`Error: ${d.error}`);
  // A task that failed before runs again under its id: the earlier attempts say why they did not complete.
  if (d.earlierAttempts !== undefined && d.earlierAttempts.length > 0) {
    lines.push('', `Attempt ${attemptOf(d)}; earlier:`);
    for (const a of d.earlierAttempts)
      lines.push(`  attempt ${a.attempt} ${a.status}${a.error === undefined ? '' : `: ${cut(a.error, 300)}`}`);
  }
  return lines.map((line) => terminalSafe(line)).join('\n');
}
