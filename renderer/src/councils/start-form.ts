import type { MessageInitShape } from '@bufbuild/protobuf';
import type { StartDeliberationRequestSchema } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import type { Role } from './roles.js';

export interface StartFields {
  readonly task: string;
  readonly role: Role;
  /** As typed: empty means the council's default. */
  readonly agents: string;
  readonly rounds: string;
  /** One requirement per line. */
  readonly requirements: string;
  readonly rubric: string;
  readonly orchestrate: boolean;
}

export type StartField = 'task' | 'role' | 'agents' | 'rounds' | 'requirements' | 'rubric';
export type FieldErrors = Partial<Record<StartField, string>>;

export const emptyStart: StartFields = { task: '', role: 'DEV', agents: '', rounds: '', requirements: '', rubric: '', orchestrate: false };

// The daemon's limits (DeliberateRequest): checked here too so a slip is named before anything starts.
const AGENTS = { min: 1, max: 8 };
const ROUNDS = { min: 0, max: 5 };

function checkWhole(text: string, label: string, range: { min: number; max: number }, empty: string): string | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < range.min || n > range.max)
    return `${label}: a whole number from ${range.min} to ${range.max}, or empty for ${empty}.`;
  return undefined;
}

export function validateStart(f: StartFields): FieldErrors {
  const errors: FieldErrors = {};
  if (f.task.trim() === '') errors.task = 'Task: describe the work for the council to deliberate on.';
  const agents = checkWhole(f.agents, 'Agents', AGENTS, "all of the council's agents");
  if (agents !== undefined) errors.agents = agents;
  const rounds = checkWhole(f.rounds, 'Rounds', ROUNDS, "the council's default");
  if (rounds !== undefined) errors.rounds = rounds;
  return errors;
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

export function toStartRequest(f: StartFields): MessageInitShape<typeof StartDeliberationRequestSchema> {
  return {
    request: {
      taskDescription: f.task.trim(),
      role: f.role,
      numAgents: f.agents.trim() === '' ? 0 : Number(f.agents),
      rounds: f.rounds.trim() === '' ? 0 : Number(f.rounds),
      constraints: { requirements: lines(f.requirements), rubric: f.rubric.trim() },
    },
    orchestrate: f.orchestrate,
  };
}

// The daemon names the proto field it refused; longer names first so `num_agents` is not read as a role.
const PROTO_FIELDS: readonly (readonly [RegExp, StartField])[] = [
  [/\btask_description\b|\btaskDescription\b/, 'task'],
  [/\bnum_agents\b|\bnumAgents\b/, 'agents'],
  [/\brequirements\b/, 'requirements'],
  [/\brubric\b/, 'rubric'],
  [/\brounds\b/, 'rounds'],
  [/\brole\b/, 'role'],
];

/** The form field a server's INVALID_ARGUMENT message is about, when it names one. */
export function fieldOfServerError(message: string): StartField | undefined {
  return PROTO_FIELDS.find(([pattern]) => pattern.test(message))?.[1];
}
