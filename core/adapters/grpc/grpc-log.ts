export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where the gRPC adapter reports; nothing in core prints, so the composition root decides where this goes. */
export type GrpcLog = (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => void;

export const silentLog: GrpcLog = () => {};
