// The logging interface the cores and shells use. It is the subset of pino's API that we call,
// so a pino logger satisfies it directly, and tests or the simulator can pass a recorder.

export type LogFn = (obj: Record<string, unknown> | string, msg?: string) => void;

export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => {};

export const nullLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => nullLogger,
};

export interface RecordedLine {
  level: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  bindings: Record<string, unknown>;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** Keeps every line in memory: for tests that assert on what was logged and why. */
export class RecordingLogger implements Logger {
  constructor(
    readonly lines: RecordedLine[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  private log(level: RecordedLine["level"]): LogFn {
    return (obj, msg) => {
      const o = typeof obj === "string" ? {} : obj;
      const m = typeof obj === "string" ? obj : msg;
      this.lines.push({ level, bindings: this.bindings, obj: o, msg: m });
    };
  }

  trace = this.log("trace");
  debug = this.log("debug");
  info = this.log("info");
  warn = this.log("warn");
  error = this.log("error");
  fatal = this.log("fatal");

  child(bindings: Record<string, unknown>): Logger {
    return new RecordingLogger(this.lines, { ...this.bindings, ...bindings });
  }
}
