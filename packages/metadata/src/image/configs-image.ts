// Dynamic configs per resource (Kafka ConfigurationsImage): only the keys set explicitly; the
// defaults live with the config definitions, not in the log. Immutable.

import type { ConfigRecord, ConfigResourceType } from "../records.js";
import { effectiveTopicConfig, type TopicConfig } from "../topic-config.js";

export interface ConfigResource {
  readonly type: ConfigResourceType;
  /** Topic name; broker id as text; "" for the cluster-wide broker default. */
  readonly name: string;
}

export const configResourceKey = (r: ConfigResource): string => `${r.type}:${r.name}`;

export class ConfigsImage {
  static readonly EMPTY = new ConfigsImage(new Map());

  constructor(
    /** Resource key → (config name → value). Invariant: no resource with an empty map. */
    readonly resources: ReadonlyMap<string, { readonly resource: ConfigResource; readonly data: ReadonlyMap<string, string> }>,
  ) {}

  configs(resource: ConfigResource): ReadonlyMap<string, string> {
    return this.resources.get(configResourceKey(resource))?.data ?? new Map();
  }

  topicConfigs(topicName: string): ReadonlyMap<string, string> {
    return this.configs({ type: "TOPIC", name: topicName });
  }

  isEmpty(): boolean {
    return this.resources.size === 0;
  }

  /** Same layering as the controller's (topic-config.ts effectiveTopicConfig). */
  effectiveTopicConfig(topicName: string, staticTopicDefaults: Readonly<Record<string, string>> = {}): TopicConfig {
    return effectiveTopicConfig(this.topicConfigs(topicName), this.configs({ type: "BROKER", name: "" }), staticTopicDefaults);
  }

  /** One ConfigRecord per set key, ordered by resource key then name (for snapshots). */
  toRecords(): ConfigRecord[] {
    const records: ConfigRecord[] = [];
    for (const key of [...this.resources.keys()].sort()) {
      const { resource, data } = this.resources.get(key)!;
      for (const name of [...data.keys()].sort()) {
        records.push({ type: "ConfigRecord", resourceType: resource.type, resourceName: resource.name, name, value: data.get(name)! });
      }
    }
    return records;
  }

  describe(): string {
    return this.toRecords()
      .map((r) => `config ${r.resourceType}:${r.resourceName === "" ? "<default>" : r.resourceName} ${r.name}=${r.value}`)
      .join("\n");
  }
}
