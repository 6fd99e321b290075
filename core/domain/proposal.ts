import type { Role } from './role.js';

/** Structured content an agent writes; sections are what the deterministic checks look for. */
export interface ProposalContent {
  readonly summary: string;
  readonly approach: string;
  readonly risks: string;
  /** How each stated requirement is met, one line each. */
  readonly requirements: readonly string[];
}

export interface Critique {
  readonly reviewerId: string;
  readonly targetAuthorId: string;
  readonly round: number;
  readonly feedback: string;
  readonly issues: readonly string[];
  /** The model's raw output, for audit. */
  readonly raw: string;
  readonly createdAtMs: number;
}

export interface Revision {
  readonly round: number;
  readonly content: ProposalContent;
  readonly critique: Critique;
  readonly raw: string;
  readonly createdAtMs: number;
}

export interface Proposal {
  readonly authorId: string;
  readonly authorRole: Role;
  /** Current content: the latest revision, or the original if never revised. */
  readonly content: ProposalContent;
  readonly original: ProposalContent;
  readonly revisions: readonly Revision[];
  readonly raw: string;
  readonly createdAtMs: number;
}

export const renderContent = (c: ProposalContent): string =>
  [`Summary: ${c.summary}`, `Approach: ${c.approach}`, `Risks: ${c.risks}`, 'Requirements:', ...c.requirements.map((r) => `- ${r}`)].join(
    '\n',
  );

export function withRevision(p: Proposal, revision: Revision): Proposal {
  return { ...p, content: revision.content, revisions: [...p.revisions, revision] };
}
