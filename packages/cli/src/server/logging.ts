// The node's pino logger: JSON lines with nodeId, role and component (DESIGN.md section 8).
// REPLOG_LOG_LEVEL picks the level (default info); REPLOG_LOG_PRETTY=1 prints for humans.
import pino from "pino";
import type { Logger } from "@replog/common";

export function createNodeLogger(nodeId: number, roles: readonly string[], env: NodeJS.ProcessEnv = process.env): Logger & pino.Logger {
  const level = env.REPLOG_LOG_LEVEL || "info";
  const base = { nodeId, role: roles.join(",") };
  if (env.REPLOG_LOG_PRETTY) {
    return pino({ level, base, transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss.l" } } });
  }
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime });
}
