import type { ProposalContent } from './proposal.js';
import { renderContent } from './proposal.js';
import type { TaskConstraints } from './task.js';

/**
 * Policy checks are about what a proposal must contain (stated requirements, required sections);
 * lint checks are about its form (length). The cluster reports the two kinds apart.
 */
export type CheckKind = 'policy' | 'lint';

export interface CheckResult {
  readonly name: string;
  readonly kind: CheckKind;
  readonly passed: boolean;
  /** 0..1 */
  readonly score: number;
  readonly detail: string;
  /** One line per thing wrong; empty when passed. */
  readonly violations: readonly string[];
}

export interface CheckSuite {
  readonly checks: readonly CheckResult[];
  readonly passed: boolean;
  /** Weighted mean of the checks, 0..1. */
  readonly score: number;
  /** Share of stated requirements the proposal addresses, 0..1 (1 when there are none). */
  readonly requirementCoverage: number;
}

export interface CriterionScore {
  readonly name: string;
  /** 0..10 after clamping. */
  readonly score: number;
  /** Set when the judge's value had to be repaired (out of range, missing, not a finite number). */
  readonly repaired?: string;
}

export interface RubricJudgment {
  readonly criteria: readonly CriterionScore[];
  readonly comment: string;
  readonly raw: string;
}

export interface Score {
  /** 0..1: RUBRIC_WEIGHT of the judge's rubric plus the rest from deterministic checks. */
  readonly total: number;
  readonly rubric: number;
  readonly checks: number;
}

export const RUBRIC_WEIGHT = 0.4;
export const LENGTH_BOUNDS = { minChars: 80, maxChars: 8000 } as const;

/**
 * Grammar-constrained numbers are still only "a JSON number": they can be 1e308, negative or absent.
 * Scores are clamped to 0..10 and anything unusable counts as 0, with the repair recorded.
 */
export function clampCriterion(name: string, value: unknown): CriterionScore {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { name, score: 0, repaired: `not a finite number (${String(value)})` };
  }
  if (value < 0) return { name, score: 0, repaired: `below 0 (${value})` };
  if (value > 10) return { name, score: 10, repaired: `above 10 (${value})` };
  return { name, score: value };
}

export function judgeRubric(
  rubric: readonly string[],
  values: Readonly<Record<string, unknown>>,
  comment: string,
  raw: string,
): RubricJudgment {
  return { criteria: rubric.map((name) => clampCriterion(name, values[name])), comment, raw };
}

const STOP_WORDS = new Set([
  'the',
  'and',
  'for',
  'with',
  'that',
  'this',
  'from',
  'into',
  'must',
  'should',
  'shall',
  'will',
  'have',
  'has',
  'are',
  'was',
  'were',
  'been',
  'each',
  'every',
  'any',
  'all',
  'its',
  'their',
  'them',
  'they',
  'than',
  'then',
  'when',
  'where',
  'which',
  'while',
  'within',
  'without',
  'over',
  'under',
  'only',
  'also',
  'not',
  'use',
  'uses',
  'using',
  'can',
  'may',
  'per',
  'via',
  'one',
  'two',
  'make',
  'sure',
  'able',
]);

/** Significant words of a requirement: lower-cased, 3+ letters, not stop words. */
function keywords(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z0-9][a-z0-9_-]{2,}/g) ?? [];
  return [...new Set(words.filter((w) => !STOP_WORDS.has(w)))];
}

// Crude stemming so "retries" matches "retry" and "logging" matches "logs".
const stem = (w: string): string => w.replace(/(ies|ing|ed|es|s)$/, '').slice(0, 8);

/** A requirement is addressed when at least half of its significant words (by stem) occur in the text. */
export function addresses(text: string, requirement: string): boolean {
  const wanted = keywords(requirement).map(stem);
  if (wanted.length === 0) return true;
  const present = new Set(keywords(text).map(stem));
  const hits = wanted.filter((w) => present.has(w)).length;
  return hits * 2 >= wanted.length;
}

const CHECK_WEIGHTS = { requirements: 3, sections: 1, length: 1 } as const;

export function runChecks(content: ProposalContent, constraints: Pick<TaskConstraints, 'requirements'>): CheckSuite {
  const text = renderContent(content);
  const missing = constraints.requirements.filter((r) => !addresses(text, r));
  const total = constraints.requirements.length;
  const coverage = total === 0 ? 1 : (total - missing.length) / total;
  const requirements: CheckResult = {
    name: 'requirements_addressed',
    kind: 'policy',
    passed: missing.length === 0,
    score: coverage,
    detail: missing.length === 0 ? `all ${total} requirements addressed` : `not addressed: ${missing.join('; ')}`,
    violations: missing.map((r) => `requirement not addressed: ${r}`),
  };

  const sectionNames = ['summary', 'approach', 'risks'] as const;
  const empty = sectionNames.filter((s) => content[s].trim().length < 10);
  const sections: CheckResult = {
    name: 'sections_present',
    kind: 'policy',
    passed: empty.length === 0,
    score: (sectionNames.length - empty.length) / sectionNames.length,
    detail: empty.length === 0 ? 'summary, approach and risks present' : `missing or too short: ${empty.join(', ')}`,
    violations: empty.map((section) => `section missing or too short: ${section}`),
  };

  const length = text.length;
  const inBounds = length >= LENGTH_BOUNDS.minChars && length <= LENGTH_BOUNDS.maxChars;
  const lengthCheck: CheckResult = {
    name: 'length_bounds',
    kind: 'lint',
    passed: inBounds,
    score: inBounds ? 1 : length < LENGTH_BOUNDS.minChars ? length / LENGTH_BOUNDS.minChars : LENGTH_BOUNDS.maxChars / length,
    detail: `${length} chars (expected ${LENGTH_BOUNDS.minChars}..${LENGTH_BOUNDS.maxChars})`,
    violations: inBounds ? [] : [`length ${length} chars outside ${LENGTH_BOUNDS.minChars}..${LENGTH_BOUNDS.maxChars}`],
  };

  const weighted =
    (requirements.score * CHECK_WEIGHTS.requirements + sections.score * CHECK_WEIGHTS.sections + lengthCheck.score * CHECK_WEIGHTS.length) /
    (CHECK_WEIGHTS.requirements + CHECK_WEIGHTS.sections + CHECK_WEIGHTS.length);
  const checks = [requirements, sections, lengthCheck];
  return { checks, passed: checks.every((c) => c.passed), score: weighted, requirementCoverage: coverage };
}

export function combineScore(judgment: RubricJudgment, suite: CheckSuite): Score {
  const rubric =
    judgment.criteria.length === 0 ? 0 : judgment.criteria.reduce((sum, c) => sum + c.score, 0) / (10 * judgment.criteria.length);
  return { rubric, checks: suite.score, total: RUBRIC_WEIGHT * rubric + (1 - RUBRIC_WEIGHT) * suite.score };
}

/** The checks summed up as the cluster reports them: its PolicyResult and LintResult. */
export interface ClusterChecks {
  readonly policy: { readonly passed: boolean; readonly violations: readonly string[]; readonly message: string };
  /** Every lint violation is an error; no check warns yet. */
  readonly lint: {
    readonly passed: boolean;
    readonly errorCount: number;
    readonly warningCount: number;
    readonly errors: readonly string[];
  };
}

export function clusterChecks(suite: CheckSuite): ClusterChecks {
  const ofKind = (kind: CheckKind) => {
    const checks = suite.checks.filter((c) => c.kind === kind);
    const failed = checks.filter((c) => !c.passed).map((c) => c.name);
    return {
      passed: failed.length === 0,
      violations: checks.flatMap((c) => c.violations),
      message: failed.length === 0 ? `${checks.length} ${kind} checks passed` : `${kind} checks failed: ${failed.join(', ')}`,
    };
  };
  const lint = ofKind('lint');
  return {
    policy: ofKind('policy'),
    lint: { passed: lint.passed, errorCount: lint.violations.length, warningCount: 0, errors: lint.violations },
  };
}
