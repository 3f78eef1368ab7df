// Shared option helpers for the Kafka-shaped commands.

import { readFileSync } from "node:fs";
import { parseProperties } from "@replog/common";
import { Replog, type Admin } from "@replog/client";

/** commander accumulator for repeatable options (`--override a=1 --override b=2`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function splitServers(list: string): string[] {
  const servers = list.split(",").map((s) => s.trim()).filter(Boolean);
  if (servers.length === 0) throw new Error("--bootstrap-server needs at least one host:port");
  return servers;
}

/** A Kafka client properties file (--command-config, --producer.config, --consumer.config). */
export function readClientProperties(path: string | undefined, flag: string): Record<string, string> {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${flag} ${path}: ${(e as Error).message}`);
  }
  const props = parseProperties(text, path);
  // Connection settings the CLI flags own, and the one protocol replog speaks.
  delete props["bootstrap.servers"];
  const protocol = props["security.protocol"];
  if (protocol !== undefined && protocol.toUpperCase() !== "PLAINTEXT") throw new Error(`${flag} ${path}: security.protocol=${protocol} is not supported; replog speaks PLAINTEXT only`);
  delete props["security.protocol"];
  return props;
}

const ADMIN_KEYS = ["client.id", "request.timeout.ms", "default.api.timeout.ms", "retries", "retry.backoff.ms", "retry.backoff.max.ms"];

/** Kafka AdminClient settings from --command-config; an unknown key is warned about, as Kafka does. */
export function adminSettings(props: Record<string, string>, warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`)) {
  const int = (k: string) => {
    const n = Number(props[k]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`Invalid value ${props[k]} for configuration ${k}: must be a non-negative integer`);
    return n;
  };
  for (const k of Object.keys(props)) if (!ADMIN_KEYS.includes(k)) warn(`WARN The configuration '${k}' was supplied but isn't a known config.`);
  const retry: { retries?: number; initialRetryTime?: number; maxRetryTime?: number } = {};
  if (props["retries"] !== undefined) retry.retries = int("retries");
  if (props["retry.backoff.ms"] !== undefined) retry.initialRetryTime = int("retry.backoff.ms");
  if (props["retry.backoff.max.ms"] !== undefined) retry.maxRetryTime = int("retry.backoff.max.ms");
  return {
    clientId: props["client.id"],
    requestTimeout: props["request.timeout.ms"] !== undefined ? int("request.timeout.ms") : props["default.api.timeout.ms"] !== undefined ? int("default.api.timeout.ms") : 10_000,
    retry,
  };
}

/** The admin client of a tool: --bootstrap-server plus an optional --command-config file. */
export function adminClient(clientId: string, o: { bootstrapServer: string; commandConfig?: string }): Admin {
  const s = adminSettings(readClientProperties(o.commandConfig, "--command-config"));
  return new Replog({ clientId: s.clientId ?? clientId, brokers: splitServers(o.bootstrapServer), requestTimeout: s.requestTimeout, retry: s.retry }).admin();
}
