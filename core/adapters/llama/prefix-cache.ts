/**
 * Evaluated prompt prefixes, kept as sequence state files so another sequence can start from them.
 *
 * Agents of one council share the system prompt and the task, so their prompts share a long token
 * prefix. Evaluating it once and copying the state is 2–14 ms against 45–560 ms to re-evaluate it
 * (measured on 2 cores). node-llama-cpp 3.21.1 has no in-memory copy between sequences, so the copy
 * goes through a file: saveStateToFile / loadStateFromFile.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import { isProcessAlive } from '../../base/process-liveness.js';

export interface PrefixState {
  readonly tokens: readonly Token[];
  readonly file: string;
  readonly bytes: number;
}

export interface PrefixCacheStats {
  readonly prefixCacheHits: number;
  readonly prefixCacheStores: number;
  readonly prefixTokensReused: number;
}

interface PrefixCacheLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export class PrefixCache {
  /** Least recently used first. */
  private entries: PrefixState[] = [];
  private directory: Promise<string> | undefined;
  private fileCounter = 0;
  private hits = 0;
  private stores = 0;
  private tokensReused = 0;

  constructor(private readonly limits: PrefixCacheLimits = { maxEntries: 32, maxBytes: 1 << 30 }) {}

  stats(): PrefixCacheStats {
    return { prefixCacheHits: this.hits, prefixCacheStores: this.stores, prefixTokensReused: this.tokensReused };
  }

  /** The longest cached prefix of `tokens` no longer than `maxLength`. */
  longestPrefixOf(tokens: readonly Token[], maxLength: number): PrefixState | undefined {
    let best: PrefixState | undefined;
    for (const entry of this.entries) {
      if (entry.tokens.length > maxLength) continue;
      if (best && entry.tokens.length <= best.tokens.length) continue;
      if (startsWith(tokens, entry.tokens)) best = entry;
    }
    return best;
  }

  /** Saves the state of a sequence that holds exactly `tokens`. Call trim() once the entry is loaded where needed. */
  async store(sequence: LlamaContextSequence, tokens: readonly Token[]): Promise<PrefixState> {
    const file = join(await this.dir(), `prefix-${++this.fileCounter}.state`);
    const { fileSize } = await sequence.saveStateToFile(file);
    const entry: PrefixState = { tokens: [...tokens], file, bytes: fileSize };
    this.entries.push(entry);
    this.stores++;
    return entry;
  }

  async restore(entry: PrefixState, sequence: LlamaContextSequence): Promise<void> {
    await sequence.loadStateFromFile(entry.file, { acceptRisk: true });
    this.hits++;
    this.tokensReused += entry.tokens.length;
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.push(...this.entries.splice(index, 1));
  }

  /** Drops the least recently used entries beyond the limits (keeping at least the most recent). */
  async trim(): Promise<void> {
    let bytes = this.entries.reduce((sum, e) => sum + e.bytes, 0);
    while (this.entries.length > 1 && (this.entries.length > this.limits.maxEntries || bytes > this.limits.maxBytes)) {
      const [oldest] = this.entries.splice(0, 1);
      bytes -= oldest!.bytes;
      await rm(oldest!.file, { force: true });
    }
  }

  async close(): Promise<void> {
    const dir = this.directory;
    this.entries = [];
    this.directory = undefined;
    if (dir) await rm(await dir, { recursive: true, force: true });
  }

  private dir(): Promise<string> {
    this.directory ??= removeOrphans().then(() => mkdtemp(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`)));
    return this.directory;
  }
}

const DIR_PREFIX = 'swe-fleet-prefix-';
const DIR_PATTERN = new RegExp(`^${DIR_PREFIX}(\\d+)-`);

/** State folders of processes that died without close() (kill -9): they would pile up in tmp. */
async function removeOrphans(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(DIR_PATTERN.exec(name)?.[1]);
    if (!pid || pid === process.pid || isProcessAlive(pid)) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => undefined);
  }
}

function startsWith(tokens: readonly Token[], prefix: readonly Token[]): boolean {
  if (prefix.length > tokens.length) return false;
  for (let i = 0; i < prefix.length; i++) if (tokens[i] !== prefix[i]) return false;
  return true;
}
