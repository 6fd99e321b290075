import type { CustomBatchingPrioritizationStrategy } from 'node-llama-cpp';

/**
 * The batching strategy llama.cpp's dispatcher calls for every decode batch: maximum parallelism
 * (an equal share of the batch per queued sequence), reporting how many sequences each batch holds.
 */
export function observedParallelism(onBatch: (sequences: number) => void): CustomBatchingPrioritizationStrategy {
  return ({ items, size }) => {
    let left = size;
    const share = Math.max(1, Math.floor(size / Math.max(1, items.length)));
    const chosen = items.map((item) => {
      const processAmount = Math.min(item.tokens.length, share, left);
      left -= processAmount;
      return { item, processAmount };
    });
    for (const c of chosen) {
      if (left <= 0) break;
      const extra = Math.min(c.item.tokens.length - c.processAmount, left);
      c.processAmount += extra;
      left -= extra;
    }
    // The dispatcher treats 0 as 1, so items that got no room must be left out to wait their turn.
    const batch = chosen.filter((c) => c.processAmount > 0);
    onBatch(batch.length);
    return batch;
  };
}
