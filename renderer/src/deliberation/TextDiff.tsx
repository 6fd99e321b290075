import { diffLines, diffWords } from 'diff';

// Word diffs read best but cost quadratic time on long texts; past this many characters, lines.
const WORD_DIFF_LIMIT = 6000;

/** What changed from one version to the next, removed text struck and added text marked. */
export function TextDiff({ before, after, label }: { readonly before: string; readonly after: string; readonly label: string }) {
  const changes = before.length + after.length > WORD_DIFF_LIMIT ? diffLines(before, after) : diffWords(before, after);
  return (
    <figure className="diff">
      <figcaption>{label}</figcaption>
      <pre>
        {changes.map((c, i) =>
          c.added ? <ins key={i}>{c.value}</ins> : c.removed ? <del key={i}>{c.value}</del> : <span key={i}>{c.value}</span>,
        )}
      </pre>
    </figure>
  );
}
