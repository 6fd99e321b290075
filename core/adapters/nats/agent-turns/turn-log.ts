/** Where the adapter's diagnostics go; the core never prints, so the composition root decides. */
export type TurnLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Readonly<Record<string, unknown>>) => void;

export const silentTurnLog: TurnLog = () => {};
