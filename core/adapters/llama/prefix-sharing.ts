/**
 * Prefix sharing: requests admitted together whose prompts start alike (a council's agents share the
 * system prompt and the task) evaluate that prefix once, on one sequence, and the others start from a
 * copy of its state; a prefix evaluated before is copied from the cache (see prefix-cache.ts).
 */
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import { FleetError } from '../../domain/errors.js';
import type { PrefixCache, PrefixState } from './prefix-cache.js';

export interface PrefixSharingOptions {
  /** Off, every sequence evaluates its whole prompt itself (the bench's baseline). */
  readonly enabled: boolean;
  /** Shorter shared prefixes are re-evaluated: copying state has a fixed cost. */
  readonly minTokens: number;
  readonly cache: PrefixCache;
}

/** A request being admitted: its prompt and the sequence it was given. */
export interface Admission {
  readonly tokens: readonly Token[];
  readonly sequence: LlamaContextSequence;
  /** How many of `tokens` the sequence holds once loaded; set by load(). */
  start: number;
  /** Its sequence could not be prepared: the request fails. */
  readonly fail: (error: FleetError) => void;
}

export class PrefixSharing {
  constructor(private readonly options: PrefixSharingOptions) {}

  /**
   * Puts every admitted sequence in its starting state: a shared or cached prefix of its prompt, or
   * empty. Resolves to the prompt tokens evaluated doing so.
   */
  async load(admitted: readonly Admission[]): Promise<number> {
    const { enabled, minTokens, cache } = this.options;
    const groups = enabled
      ? planPrefixSharing(
          admitted.map((a) => a.tokens),
          minTokens,
        )
      : [];
    const grouped = new Set(groups.flatMap((g) => g.members));
    const singles = admitted.filter((_, i) => !grouped.has(i));

    const [evaluated] = await Promise.all([
      Promise.all(
        groups.map((group) =>
          this.shareGroup(
            group.members.map((i) => admitted[i]!),
            admitted[group.members[0]!]!.tokens.slice(0, group.length),
          ),
        ),
      ),
      Promise.all(
        singles.map((a) => {
          const cached = enabled ? cache.longestPrefixOf(a.tokens, a.tokens.length - 1) : undefined;
          return this.startFrom(a, cached && cached.tokens.length >= minTokens ? cached : undefined);
        }),
      ),
    ]);
    await cache.trim();
    return evaluated.reduce((sum, n) => sum + n, 0);
  }

  /** Evaluates a group's shared prefix once (unless cached) and loads it into every member. */
  private async shareGroup(members: readonly Admission[], prefix: readonly Token[]): Promise<number> {
    const cached = this.options.cache.longestPrefixOf(prefix, prefix.length);
    if (cached?.tokens.length === prefix.length) {
      await Promise.all(members.map((a) => this.startFrom(a, cached)));
      return 0;
    }
    const [leader, ...followers] = members;
    const { shared, evaluated } = await this.evaluatePrefix(leader!, prefix, cached);
    // Without the shared state, each member evaluates its whole prompt itself.
    await Promise.all(followers.map((a) => this.startFrom(a, shared)));
    if (!shared) await this.startFrom(leader!, undefined);
    return evaluated;
  }

  /** Evaluates `prefix` on the leader's sequence and stores it; `shared` is undefined if that failed. */
  private async evaluatePrefix(
    leader: Admission,
    prefix: readonly Token[],
    from: PrefixState | undefined,
  ): Promise<{ shared: PrefixState | undefined; evaluated: number }> {
    if (!(await this.startFrom(leader, from))) return { shared: undefined, evaluated: 0 };
    // Carried on even if the leader is cancelled meanwhile: the followers still need the prefix.
    let evaluated = 0;
    try {
      const rest = prefix.slice(leader.start);
      await leader.sequence.evaluateWithoutGeneratingNewTokens(rest);
      evaluated = rest.length;
      const shared = await this.options.cache.store(leader.sequence, prefix);
      leader.start = prefix.length;
      return { shared, evaluated };
    } catch {
      return { shared: undefined, evaluated };
    }
  }

  /** Puts a sequence in its starting state: the cached prefix, or empty. False if that failed. */
  private async startFrom(admission: Admission, entry: PrefixState | undefined): Promise<boolean> {
    const { sequence } = admission;
    try {
      if (entry) {
        await this.options.cache.restore(entry, sequence);
        admission.start = entry.tokens.length;
      } else {
        if (sequence.nextTokenIndex > 0) await sequence.clearHistory();
        admission.start = 0;
      }
      return true;
    } catch (error) {
      admission.fail(new FleetError('INTERNAL', `could not prepare a sequence: ${String(error)}`, { cause: error }));
      return false;
    }
  }
}

interface SharingGroup {
  /** Indexes into the prompts given to planPrefixSharing; the first evaluates the prefix. */
  readonly members: readonly number[];
  /** Tokens shared by all members, always leaving each at least one token of its own. */
  readonly length: number;
}

/** Groups prompts that share at least `minTokens` leading tokens (greedy, in arrival order). */
function planPrefixSharing(prompts: ReadonlyArray<readonly Token[]>, minTokens: number): SharingGroup[] {
  const groups: Array<{ members: number[]; length: number }> = [];
  prompts.forEach((tokens, index) => {
    let best: { members: number[]; length: number } | undefined;
    let bestLength = 0;
    for (const group of groups) {
      const shared = Math.min(group.length, commonPrefixLength(prompts[group.members[0]!]!, tokens), tokens.length - 1);
      if (shared >= minTokens && shared > bestLength) {
        best = group;
        bestLength = shared;
      }
    }
    if (best) {
      best.members.push(index);
      best.length = bestLength;
    } else {
      groups.push({ members: [index], length: tokens.length - 1 });
    }
  });
  return groups.filter((g) => g.members.length > 1);
}

function commonPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
