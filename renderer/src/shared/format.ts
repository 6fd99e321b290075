/** Numbers as a person reads them; int64 fields arrive as bigint. */
type Num = number | bigint;

export function formatDuration(ms: Num): string {
  const n = Number(ms);
  if (n < 1000) return `${Math.round(n)} ms`;
  const s = n / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatBytes(bytes: Num): string {
  const n = Number(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u] ?? 'B'}`;
}

export const formatTime = (ms: Num): string => (Number(ms) === 0 ? '—' : new Date(Number(ms)).toLocaleString());

export const formatScore = (score: number): string => score.toFixed(2);

export const formatRate = (tokensPerSecond: number): string => `${tokensPerSecond.toFixed(1)} tok/s`;
