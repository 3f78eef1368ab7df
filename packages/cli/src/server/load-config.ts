// Where a node's configuration comes from, later sources winning (DESIGN.md section 6):
// built-in defaults → a server.properties-style file → REPLOG_* environment variables (Kafka's
// docker mangling rule) → `--override key=value`. The result is validated as a whole; an unknown
// key or a bad value stops start-up with a message naming the key.

import { readFileSync } from "node:fs";
import { ConfigError, configFromEnv, parseOverride, parseProperties, resolveServerConfig, type ResolvedServerConfig } from "@replog/common";

export interface ConfigSources {
  readonly configFile?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly overrides?: readonly string[];
}

/** Variables with the REPLOG_ prefix that are not config keys (they steer the CLI itself). */
export const NON_CONFIG_ENV = ["REPLOG_LOG_LEVEL", "REPLOG_LOG_PRETTY", "REPLOG_CLUSTER_ID"];

export function mergeConfigSources(sources: ConfigSources): Record<string, string> {
  const merged: Record<string, string> = {};
  if (sources.configFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(sources.configFile, "utf8");
    } catch (e) {
      throw new ConfigError(sources.configFile, `cannot read config file: ${(e as Error).message}`);
    }
    Object.assign(merged, parseProperties(text, sources.configFile));
  }
  Object.assign(merged, configFromEnv(sources.env ?? {}, NON_CONFIG_ENV));
  for (const o of sources.overrides ?? []) {
    const [k, v] = parseOverride(o);
    merged[k] = v;
  }
  return merged;
}

export function loadServerConfig(sources: ConfigSources): ResolvedServerConfig {
  return resolveServerConfig(mergeConfigSources(sources));
}
