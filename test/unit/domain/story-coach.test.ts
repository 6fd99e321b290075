import { describe, expect, it } from 'vitest';
import { FINDING_WEIGHTS, scoreStory, splitBrief } from '../../../core/domain/story-coach.js';

const ready = {
  title: 'Lock an account after repeated failed logins',
  description: 'As a security officer I want accounts locked after 5 failed logins so that stolen passwords cannot be brute-forced.',
  acceptanceCriteria: [
    'Given an account with 4 failed logins When the 5th login fails Then the account is locked for 15 minutes',
    'Given a locked account When the owner resets the password Then the account is unlocked',
  ],
};

const codes = (s: ReturnType<typeof scoreStory>) => s.findings.map((f) => f.code).sort();

describe('scoreStory', () => {
  it('gives a well-formed story 100 with no findings', () => {
    expect(scoreStory(ready)).toEqual({ total: 100, findings: [] });
  });

  it('takes off each finding’s weight and says why', () => {
    const s = scoreStory({ title: 'Login', description: 'Make login fast and easy.', acceptanceCriteria: [] });
    expect(codes(s)).toEqual(['AC_MISSING', 'AMBIGUOUS', 'TITLE_LENGTH', 'VALUE_UNCLEAR']);
    const ambiguous = s.findings.find((f) => f.code === 'AMBIGUOUS')!;
    expect(ambiguous.weight).toBe(2 * FINDING_WEIGHTS.AMBIGUOUS);
    expect(ambiguous.message).toContain('"fast"');
    expect(s.total).toBe(100 - s.findings.reduce((sum, f) => sum + f.weight, 0));
  });

  it('asks for Gherkin and an observable outcome in the criteria', () => {
    const s = scoreStory({ ...ready, acceptanceCriteria: ['Lockout works', ...ready.acceptanceCriteria] });
    expect(codes(s)).toEqual(['AC_NO_GHERKIN', 'NOT_TESTABLE']);
    expect(s.findings[0]!.message).toContain('1 of 3');
  });

  it('flags a missing description, a story too large and one that depends on others', () => {
    expect(codes(scoreStory({ ...ready, description: 'Lockout' }))).toEqual(['DESC_MISSING']);
    const many = Array.from({ length: 9 }, (_, i) => `Given case ${i} When it runs Then it passes`);
    expect(codes(scoreStory({ ...ready, acceptanceCriteria: many }))).toEqual(['TOO_LARGE']);
    expect(codes(scoreStory({ ...ready, description: `${ready.description} It depends on the audit log story.` }))).toEqual([
      'NOT_INDEPENDENT',
    ]);
  });

  it('never goes below 0 and is the same for the same story', () => {
    const worst = { title: '', description: '', acceptanceCriteria: [] };
    expect(scoreStory(worst).total).toBeGreaterThanOrEqual(0);
    expect(scoreStory(ready)).toEqual(scoreStory(ready));
  });
});

describe('splitBrief', () => {
  it('reads the criteria under an "Acceptance criteria" heading', () => {
    const brief = `${ready.description}\n\nAcceptance criteria:\n- ${ready.acceptanceCriteria[0]}\n- ${ready.acceptanceCriteria[1]}`;
    expect(splitBrief(brief)).toEqual({ description: ready.description, acceptanceCriteria: ready.acceptanceCriteria });
    expect(scoreStory({ title: ready.title, ...splitBrief(brief) }).total).toBe(100);
  });

  it('reads Given lines as criteria when there is no heading', () => {
    const brief = `${ready.description}\n${ready.acceptanceCriteria[0]}`;
    expect(splitBrief(brief)).toEqual({ description: ready.description, acceptanceCriteria: [ready.acceptanceCriteria[0]] });
  });
});
