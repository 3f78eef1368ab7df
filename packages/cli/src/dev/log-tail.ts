// Foreground `replog dev`: follow every node's JSON log file and print it for humans with
// pino-pretty. The files stay JSON (tools and tests read them); only the terminal is pretty.

import { closeSync, openSync, readSync, statSync } from "node:fs";
import { prettyFactory } from "pino-pretty";
import type { ClusterNode } from "./cluster-file.js";

export interface LogTail {
  stop(): void;
}

export function tailNodeLogs(nodes: readonly ClusterNode[], out: NodeJS.WritableStream, colorize: boolean, everyMs = 200): LogTail {
  const pretty = prettyFactory({ colorize, translateTime: "HH:MM:ss.l", ignore: "pid,hostname,nodeId,role,component", messageFormat: "node {nodeId} {component} | {msg}" });
  const positions = new Map<string, number>();
  const partial = new Map<string, string>();
  // From the start of each file: the person sees how the cluster came up.
  for (const n of nodes) positions.set(n.logFile, 0);
  const poll = () => {
    for (const n of nodes) {
      const size = safeSize(n.logFile);
      let from = positions.get(n.logFile) ?? 0;
      if (size < from) from = 0; // the file was replaced
      if (size === from) continue;
      const buf = Buffer.alloc(Math.min(size - from, 1 << 20));
      const fd = openSync(n.logFile, "r");
      try {
        readSync(fd, buf, 0, buf.length, from);
      } finally {
        closeSync(fd);
      }
      positions.set(n.logFile, from + buf.length);
      const text = (partial.get(n.logFile) ?? "") + buf.toString("utf8");
      const lines = text.split("\n");
      partial.set(n.logFile, lines.pop() ?? "");
      for (const line of lines) {
        if (line.trim() === "") continue;
        try {
          out.write(pretty(JSON.parse(line)));
        } catch {
          out.write(`[node ${n.nodeId}] ${line}\n`);
        }
      }
    }
  };
  const timer = setInterval(poll, everyMs);
  return { stop: () => clearInterval(timer) };
}

function safeSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
