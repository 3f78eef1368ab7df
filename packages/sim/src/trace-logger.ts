// A `Logger` for the cores under simulation that writes their warnings and errors into the
// run's trace (with the node id), so a replay shows why the core did something unusual: a
// planted bug firing, a torn write repaired at start-up. Lower levels are dropped: the trace
// already shows every message and state change, and the core's info lines would double it.
// Fields render with JSON.stringify in insertion order, which is deterministic.

import type { LogFn, Logger } from "@replog/common";

export function traceLogger(line: (text: string) => void, bindings: Record<string, unknown> = {}): Logger {
  const drop: LogFn = () => {};
  const keep =
    (level: string): LogFn =>
    (obj, msg) => {
      const text = typeof obj === "string" ? obj : msg ?? "";
      const fields = typeof obj === "string" ? "" : ` ${JSON.stringify(obj, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))}`;
      line(`${level}: ${text}${fields === " {}" ? "" : fields}`);
    };
  return {
    trace: drop,
    debug: drop,
    info: drop,
    warn: keep("warn"),
    error: keep("error"),
    fatal: keep("fatal"),
    child: (more) => traceLogger(line, { ...bindings, ...more }),
  };
}
