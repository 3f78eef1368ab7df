// Changes to dynamic configs since a ConfigsImage (Kafka ConfigurationsDelta).

import type { ConfigRecord } from "../records.js";
import { configResourceKey, ConfigsImage, type ConfigResource } from "./configs-image.js";

export class ConfigsDelta {
  /** Resource key → (name → value, or null = delete). */
  private readonly changed = new Map<string, { resource: ConfigResource; data: Map<string, string | null> }>();
  /** Resources wiped entirely (a removed topic), before any later change in this delta. */
  private readonly wiped = new Set<string>();

  constructor(private readonly image: ConfigsImage) {}

  replay(r: ConfigRecord): void {
    const resource: ConfigResource = { type: r.resourceType, name: r.resourceName };
    const key = configResourceKey(resource);
    let entry = this.changed.get(key);
    if (entry === undefined) {
      entry = { resource, data: new Map() };
      this.changed.set(key, entry);
    }
    entry.data.set(r.name, r.value);
  }

  /** Kafka deletes a topic's configs when it replays RemoveTopicRecord. */
  deleteResource(resource: ConfigResource): void {
    const key = configResourceKey(resource);
    this.changed.delete(key);
    this.wiped.add(key);
  }

  apply(): ConfigsImage {
    if (this.changed.size === 0 && this.wiped.size === 0) return this.image;
    const resources = new Map(this.image.resources);
    for (const key of this.wiped) resources.delete(key);
    for (const [key, { resource, data }] of this.changed) {
      const merged = new Map(resources.get(key)?.data ?? []);
      for (const [name, value] of data) {
        if (value === null) merged.delete(name);
        else merged.set(name, value);
      }
      if (merged.size === 0) resources.delete(key);
      else resources.set(key, { resource, data: merged });
    }
    return new ConfigsImage(resources);
  }
}
