/**
 * Generation speed samples from the agent updates this window has seen, for the Models chart. It is
 * process-wide on purpose: a deliberation followed in one view feeds the chart shown in another.
 */
export interface RateSample {
  readonly atMs: number;
  readonly agentId: string;
  readonly tokensPerSecond: number;
}

const LIMIT = 300;
let samples: readonly RateSample[] = [];
const listeners = new Set<() => void>();

export function recordRate(sample: RateSample): void {
  samples = [...samples.slice(-(LIMIT - 1)), sample];
  for (const l of listeners) l();
}

export function subscribeRates(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const currentRates = (): readonly RateSample[] => samples;
