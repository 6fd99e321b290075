import type { DeliberationResult } from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { formatScore } from '../shared/format.js';
import { disagrees } from './outcome.js';

const passed = (ok: boolean): string => (ok ? 'passed' : 'failed');

/** One proposal's score taken apart: the judge's criteria and comment, each check, requirement coverage. */
export function ScoreCard({ result }: { readonly result: DeliberationResult }) {
  const author = result.proposal?.authorId ?? '?';
  const checks = result.checks;
  return (
    <article className="score-card" aria-label={`Scores of ${author}`}>
      <h4>
        {author}
        {result.rank > 0 ? <span className="meta"> · rank {result.rank}</span> : null}
      </h4>
      <p>
        Combined <strong>{formatScore(result.score)}</strong> = judge {formatScore(result.rubricScore)} with checks{' '}
        {formatScore(result.checksScore)}
      </p>
      {disagrees(result) ? (
        <p className="flag">
          ⚑ Judge and checks disagree: rubric {formatScore(result.rubricScore)} vs checks {formatScore(result.checksScore)}
        </p>
      ) : null}
      <table>
        <caption>Judge&apos;s criteria (0–10)</caption>
        <tbody>
          {result.criteria.map((c) => (
            <tr key={c.name}>
              <th scope="row">{c.name}</th>
              <td>{c.score.toFixed(1)}</td>
              <td className="meta">{c.repaired === '' ? '' : `repaired: ${c.repaired}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {result.judgeComment === '' ? null : <blockquote className="judge">{result.judgeComment}</blockquote>}
      {checks === undefined ? null : (
        <>
          <table>
            <caption>Deterministic checks</caption>
            <tbody>
              {checks.additionalChecks.map((c) => (
                <tr key={c.checkType}>
                  <th scope="row">{c.checkType}</th>
                  <td className={c.passed ? 'ok' : 'bad'}>{passed(c.passed)}</td>
                  <td>{formatScore(c.score)}</td>
                  <td className="meta">{c.message}</td>
                </tr>
              ))}
              {checks.policy === undefined ? null : (
                <tr>
                  <th scope="row">policy</th>
                  <td className={checks.policy.passed ? 'ok' : 'bad'}>{passed(checks.policy.passed)}</td>
                  <td />
                  <td className="meta">{[checks.policy.message, ...checks.policy.violations].filter((s) => s !== '').join('; ')}</td>
                </tr>
              )}
              {checks.lint === undefined ? null : (
                <tr>
                  <th scope="row">lint</th>
                  <td className={checks.lint.passed ? 'ok' : 'bad'}>{passed(checks.lint.passed)}</td>
                  <td />
                  <td className="meta">
                    {checks.lint.errorCount} errors, {checks.lint.warningCount} warnings
                    {checks.lint.errors.length > 0 ? `: ${checks.lint.errors.join('; ')}` : ''}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <p>Requirement coverage {Math.round(checks.requirementCoverage * 100)}%</p>
        </>
      )}
      {result.proposal === undefined ? null : (
        <details>
          <summary>Final proposal</summary>
          <pre>{result.proposal.content}</pre>
        </details>
      )}
    </article>
  );
}
