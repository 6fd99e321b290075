export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Where an adapter's diagnostics go. Nothing in core prints: the composition root decides where
 * these lines end up (the data dir's log file, stderr).
 */
export type Log = (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => void;

export const silentLog: Log = () => {};
