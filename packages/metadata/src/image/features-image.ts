// Finalized feature levels such as metadata.version (Kafka FeaturesImage). Immutable.

import type { FeatureLevelRecord } from "../records.js";

export class FeaturesImage {
  static readonly EMPTY = new FeaturesImage(new Map());

  /** Invariant: no feature at level 0 (level 0 removes it). */
  constructor(readonly levels: ReadonlyMap<string, number>) {}

  level(name: string): number {
    return this.levels.get(name) ?? 0;
  }

  isEmpty(): boolean {
    return this.levels.size === 0;
  }

  apply(records: readonly FeatureLevelRecord[]): FeaturesImage {
    if (records.length === 0) return this;
    const levels = new Map(this.levels);
    for (const r of records) {
      if (r.featureLevel === 0) levels.delete(r.name);
      else levels.set(r.name, r.featureLevel);
    }
    return new FeaturesImage(levels);
  }

  toRecords(): FeatureLevelRecord[] {
    return [...this.levels.keys()].sort().map((name) => ({ type: "FeatureLevelRecord", name, featureLevel: this.levels.get(name)! }));
  }

  describe(): string {
    return this.toRecords()
      .map((r) => `feature ${r.name}=${r.featureLevel}`)
      .join("\n");
  }
}
