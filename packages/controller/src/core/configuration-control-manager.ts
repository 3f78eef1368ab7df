// Dynamic configs on the controller (Kafka ConfigurationControlManager): validates topic configs at
// CreateTopics and IncrementalAlterConfigs, turns accepted changes into ConfigRecords, and answers
// "what is this topic's effective config" for the other managers (unclean.leader.election.enable,
// min.insync.replicas). Handlers return records; only replay() changes state.

import { ConfigError, serverConfigDef } from "@replog/common";
import { effectiveTopicConfig, TOPIC_CONFIG, type ConfigRecord, type ConfigResourceType, type TopicConfig } from "@replog/metadata";
import { apiError, type ApiError } from "./controller-errors.js";
import { controllerResult, type ControllerResult } from "./controller-result.js";
import { duplicateKeys } from "./request-duplicates.js";

export type AlterConfigOp = "SET" | "DELETE" | "APPEND" | "SUBTRACT";

export interface AlterableConfig {
  readonly name: string;
  readonly op: AlterConfigOp;
  /** Ignored for DELETE. For APPEND/SUBTRACT: comma-separated items of a list config. */
  readonly value?: string;
}

export interface AlterConfigsResource {
  readonly resourceType: ConfigResourceType;
  /** Topic name; broker id as text; "" for the cluster-wide broker default. */
  readonly resourceName: string;
  readonly configs: readonly AlterableConfig[];
}

export interface AlterConfigsResult {
  readonly resourceType: ConfigResourceType;
  readonly resourceName: string;
  readonly error?: ApiError;
}

const key = (type: ConfigResourceType, name: string): string => `${type}:${name}`;

export class ConfigurationControlManager {
  /** Resource key → (name → value). Invariant: holds exactly what the ConfigRecords replayed say. */
  private readonly configs = new Map<string, Map<string, string>>();

  /**
   * @param staticTopicDefaults topic-level names (e.g. "min.insync.replicas") with the values this
   *   cluster's server.properties gives them; the shell maps broker names to topic names.
   */
  constructor(private readonly staticTopicDefaults: Readonly<Record<string, string>> = {}) {
    TOPIC_CONFIG.parse(staticTopicDefaults);
  }

  replay(record: ConfigRecord): void {
    const k = key(record.resourceType, record.resourceName);
    const data = this.configs.get(k) ?? new Map<string, string>();
    if (record.value === null) data.delete(record.name);
    else data.set(record.name, record.value);
    if (data.size === 0) this.configs.delete(k);
    else this.configs.set(k, data);
  }

  /** Kafka removes a topic's configs when it replays RemoveTopicRecord. */
  deleteTopicConfigs(topicName: string): void {
    this.configs.delete(key("TOPIC", topicName));
  }

  configsOf(resourceType: ConfigResourceType, resourceName: string): ReadonlyMap<string, string> {
    return this.configs.get(key(resourceType, resourceName)) ?? new Map();
  }

  /** Validates the configs given at topic creation; the error names the key (INVALID_CONFIG). */
  validateTopicConfigs(configs: Readonly<Record<string, string>>): ApiError | undefined {
    return invalidConfig(() => TOPIC_CONFIG.parse(configs));
  }

  topicConfigRecords(topicName: string, configs: Readonly<Record<string, string>>): ConfigRecord[] {
    return Object.keys(configs)
      .sort()
      .map((name) => ({ type: "ConfigRecord", resourceType: "TOPIC", resourceName: topicName, name, value: configs[name]! }));
  }

  /** Topic dynamic config, then the cluster-wide dynamic default, then server.properties, then Kafka's default. */
  effectiveTopicConfig(topicName: string): TopicConfig {
    return effectiveTopicConfig(this.configsOf("TOPIC", topicName), this.configsOf("BROKER", ""), this.staticTopicDefaults);
  }

  uncleanLeaderElectionEnabled(topicName: string): boolean {
    return this.effectiveTopicConfig(topicName).uncleanLeaderElectionEnable;
  }

  /**
   * Kafka IncrementalAlterConfigs. Each resource succeeds or fails as a whole; a failed resource
   * writes nothing. `topicExists` comes from ReplicationControlManager.
   */
  incrementalAlterConfigs(
    resources: readonly AlterConfigsResource[],
    topicExists: (name: string) => boolean,
  ): ControllerResult<AlterConfigsResult[]> {
    const records: ConfigRecord[] = [];
    const duplicates = duplicateKeys(resources, (r) => key(r.resourceType, r.resourceName));
    const results = resources.map((resource): AlterConfigsResult => {
      const { resourceType, resourceName } = resource;
      if (duplicates.has(key(resourceType, resourceName))) {
        return { resourceType, resourceName, error: apiError("INVALID_REQUEST", `Resource ${resourceType} ${resourceName} is named more than once in the request`) };
      }
      const outcome = this.alterOne(resource, topicExists);
      if ("error" in outcome) return { resourceType, resourceName, error: outcome.error };
      records.push(...outcome.records);
      return { resourceType, resourceName };
    });
    return controllerResult(records, results);
  }

  private alterOne(resource: AlterConfigsResource, topicExists: (name: string) => boolean): { records: ConfigRecord[] } | { error: ApiError } {
    const { resourceType, resourceName } = resource;
    if (resourceType === "TOPIC" && !topicExists(resourceName)) {
      return { error: apiError("UNKNOWN_TOPIC_OR_PARTITION", `Topic ${resourceName} does not exist`) };
    }
    if (resourceType === "BROKER" && resourceName !== "" && !/^\d+$/.test(resourceName)) {
      return { error: apiError("INVALID_REQUEST", `Broker resource name must be a broker id or empty, not "${resourceName}"`) };
    }
    const current = new Map(this.configsOf(resourceType, resourceName));
    const next = new Map(current);
    for (const change of resource.configs) {
      const problem = applyOp(next, change, resourceType);
      if (problem !== undefined) return { error: problem };
    }
    const validation = resourceType === "TOPIC" ? this.validateTopicConfigs(Object.fromEntries(next)) : validateBrokerConfigs(next);
    if (validation !== undefined) return { error: validation };
    const records: ConfigRecord[] = [];
    for (const name of [...new Set([...current.keys(), ...next.keys()])].sort()) {
      const value = next.get(name) ?? null;
      if (value !== (current.get(name) ?? null)) records.push({ type: "ConfigRecord", resourceType, resourceName, name, value });
    }
    return { records };
  }
}

function applyOp(configs: Map<string, string>, change: AlterableConfig, resourceType: ConfigResourceType): ApiError | undefined {
  const { name, op } = change;
  if (op === "DELETE") {
    configs.delete(name);
    return undefined;
  }
  if (change.value === undefined) return apiError("INVALID_CONFIG", `Invalid config ${name}: ${op} needs a value`);
  if (op === "SET") {
    configs.set(name, change.value);
    return undefined;
  }
  const definition = resourceType === "TOPIC" ? TOPIC_CONFIG.key(name) : serverConfigDef.key(name);
  if (definition?.type !== "list") return apiError("INVALID_CONFIG", `Invalid config ${name}: ${op} applies to list configs only`);
  const currentText = configs.get(name) ?? definition.format(definition.defaultValue as never);
  const items = currentText === "" ? [] : currentText.split(",").map((s) => s.trim());
  const delta = change.value.split(",").map((s) => s.trim());
  const updated = op === "APPEND" ? [...items, ...delta.filter((d) => !items.includes(d))] : items.filter((i) => !delta.includes(i));
  configs.set(name, updated.join(","));
  return undefined;
}

function validateBrokerConfigs(configs: ReadonlyMap<string, string>): ApiError | undefined {
  return invalidConfig(() => {
    for (const [name, value] of configs) serverConfigDef.validate(name, value);
  });
}

/** Runs a defineConfig validation and turns its ConfigError into INVALID_CONFIG naming the key. */
function invalidConfig(validate: () => unknown): ApiError | undefined {
  try {
    validate();
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return apiError("INVALID_CONFIG", e.message);
    throw e;
  }
}
