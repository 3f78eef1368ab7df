// KafkaJS-style logging: a `logCreator(level)` returns a function that receives
// `{ namespace, level, label, log: { message, ...extra } }`. The client's internals log through the
// `Logger` interface of @replog/common; this adapts one to the other. Without a logCreator the
// client is silent (a CLI's stdout stays clean).
import { nullLogger, type LogFn, type Logger } from "@replog/common";

export const logLevel = Object.freeze({ NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 });
export type LogLevel = (typeof logLevel)[keyof typeof logLevel];

export interface LogEntry {
  namespace: string;
  level: LogLevel;
  label: string;
  log: { message: string; timestamp: string; [extra: string]: unknown };
}

export type LogCreator = (level: LogLevel) => (entry: LogEntry) => void;

const LABELS: Record<number, string> = { 1: "ERROR", 2: "WARN", 4: "INFO", 5: "DEBUG" };

/** A Logger that forwards entries at or above `level` to a KafkaJS logCreator. */
export function loggerFromCreator(creator: LogCreator | undefined, level: LogLevel, bindings: Record<string, unknown> = {}): Logger {
  if (!creator || level === logLevel.NOTHING) return nullLogger;
  const sink = creator(level);
  const at =
    (entryLevel: LogLevel): LogFn =>
    (obj, msg) => {
      if (entryLevel > level) return;
      const extra = typeof obj === "string" ? {} : obj;
      const message = typeof obj === "string" ? obj : (msg ?? "");
      const namespace = String(bindings.namespace ?? "Replog");
      sink({ namespace, level: entryLevel, label: LABELS[entryLevel]!, log: { ...bindings, ...extra, message, timestamp: new Date().toISOString() } });
    };
  return {
    trace: at(logLevel.DEBUG),
    debug: at(logLevel.DEBUG),
    info: at(logLevel.INFO),
    warn: at(logLevel.WARN),
    error: at(logLevel.ERROR),
    fatal: at(logLevel.ERROR),
    child: (more) => loggerFromCreator(creator, level, { ...bindings, ...more }),
  };
}
