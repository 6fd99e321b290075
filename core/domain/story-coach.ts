/**
 * StoryCoach's score of a story: deterministic and explainable. Every point taken off is a finding
 * with a code, a sentence and its weight, so a product owner sees exactly what to fix; the story's
 * Definition-of-Ready score is this total.
 */

export const FINDING_CODES = [
  'DESC_MISSING',
  'AC_MISSING',
  'AC_NO_GHERKIN',
  'VALUE_UNCLEAR',
  'NOT_TESTABLE',
  'AMBIGUOUS',
  'TOO_LARGE',
  'NOT_INDEPENDENT',
  'TITLE_LENGTH',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

/** Points each finding takes off 100 (AMBIGUOUS per vague term, up to three). */
export const FINDING_WEIGHTS: Readonly<Record<FindingCode, number>> = {
  DESC_MISSING: 30,
  AC_MISSING: 25,
  AC_NO_GHERKIN: 10,
  VALUE_UNCLEAR: 10,
  NOT_TESTABLE: 10,
  AMBIGUOUS: 5,
  TOO_LARGE: 10,
  NOT_INDEPENDENT: 5,
  TITLE_LENGTH: 5,
};

export interface Finding {
  readonly code: FindingCode;
  readonly message: string;
  readonly weight: number;
}

export interface StoryScore {
  readonly total: number;
  readonly findings: readonly Finding[];
}

export interface StoryText {
  readonly title: string;
  readonly description: string;
  readonly acceptanceCriteria: readonly string[];
}

const TITLE_CHARS = { min: 8, max: 80 } as const;
const DESCRIPTION_MIN_CHARS = 20;
const LARGE = { criteria: 8, descriptionChars: 2_000 } as const;
const MAX_AMBIGUOUS_TERMS = 3;
const VAGUE = [
  'fast',
  'quickly',
  'easy',
  'easily',
  'simple',
  'user-friendly',
  'intuitive',
  'robust',
  'flexible',
  'appropriate',
  'as needed',
  'etc',
  'and so on',
  'some',
  'several',
  'better',
  'improve',
  'optimal',
] as const;
const VALUE = /\bso that\b|\bin order to\b|\bso (?:we|they|i|users?|the)\b/i;
const GHERKIN = /^\s*(?:given|scenario)\b[\s\S]*\bthen\b/i;
const OBSERVABLE = /\b(?:then|should|must|shows?|returns?|displays?|is|are|has|have|receives?|sees?|gets?)\b|\d/i;
const DEPENDENCY = /\b(?:depends on|blocked by|after (?:story|epic)|requires (?:story|epic)|once .* is (?:done|merged))\b/i;

export function scoreStory(story: StoryText): StoryScore {
  const findings: Finding[] = [];
  const add = (code: FindingCode, message: string, times = 1): void => {
    findings.push({ code, message, weight: FINDING_WEIGHTS[code] * times });
  };
  const title = story.title.trim();
  const description = story.description.trim();
  const criteria = story.acceptanceCriteria.map((c) => c.trim()).filter((c) => c !== '');

  if (title.length < TITLE_CHARS.min || title.length > TITLE_CHARS.max) {
    add('TITLE_LENGTH', `the title has ${title.length} characters; ${TITLE_CHARS.min}..${TITLE_CHARS.max} read well in a backlog`);
  }
  if (description.length < DESCRIPTION_MIN_CHARS) {
    add('DESC_MISSING', `the description says too little (${description.length} characters): who needs what, and why`);
  } else if (!VALUE.test(description)) {
    add('VALUE_UNCLEAR', 'the description does not say what it is for: add "so that ..." (the value to the user)');
  }
  if (criteria.length === 0) {
    add('AC_MISSING', 'no acceptance criteria: list how the team will know it is done');
  } else {
    const notGherkin = criteria.filter((c) => !GHERKIN.test(c)).length;
    if (notGherkin > 0)
      add('AC_NO_GHERKIN', `${notGherkin} of ${criteria.length} acceptance criteria are not "Given ... When ... Then ..."`);
    const untestable = criteria.filter((c) => !OBSERVABLE.test(c)).length;
    if (untestable > 0) add('NOT_TESTABLE', `${untestable} acceptance criteria name no observable outcome`);
  }
  const text = `${title}\n${description}\n${criteria.join('\n')}`.toLowerCase();
  const vague = VAGUE.filter((term) => new RegExp(`(?<![\\w-])${term.replace(/[-]/g, '\\-')}(?![\\w-])`).test(text));
  if (vague.length > 0) {
    const counted = Math.min(vague.length, MAX_AMBIGUOUS_TERMS);
    add('AMBIGUOUS', `vague terms: ${vague.map((t) => `"${t}"`).join(', ')}: say what is measured instead`, counted);
  }
  if (criteria.length > LARGE.criteria || description.length > LARGE.descriptionChars) {
    add('TOO_LARGE', `too much for one story (${criteria.length} criteria, ${description.length} characters): split it`);
  }
  if (DEPENDENCY.test(text)) add('NOT_INDEPENDENT', 'it depends on other work: make it deliverable on its own, or order the backlog');

  const total = Math.max(0, 100 - findings.reduce((sum, f) => sum + f.weight, 0));
  return { total, findings };
}

const CRITERIA_HEADING = /^\s*(?:#+\s*)?acceptance criteria\s*:?\s*$/i;
const CRITERION = /^\s*(?:[-*•]|\d+[.)])\s+|^\s*(?:given|scenario)\b/i;

/**
 * A planning story carries one text (its brief): the acceptance criteria are the items under an
 * "Acceptance criteria" heading, or the Given/Scenario lines; the rest is the description.
 */
export function splitBrief(brief: string): { description: string; acceptanceCriteria: string[] } {
  const lines = brief.split(/\r?\n/);
  const heading = lines.findIndex((l) => CRITERIA_HEADING.test(l));
  const described: string[] = [];
  const criteria: string[] = [];
  lines.forEach((line, i) => {
    const underHeading = heading >= 0 && i > heading;
    if (i === heading) return;
    if ((underHeading && line.trim() !== '') || (heading < 0 && /^\s*(?:given|scenario)\b/i.test(line))) {
      criteria.push(line.replace(CRITERION, (m) => (/given|scenario/i.test(m) ? m : '')).trim());
    } else {
      described.push(line);
    }
  });
  return { description: described.join('\n').trim(), acceptanceCriteria: criteria };
}
