// Topics and their partitions, as the metadata log defines them (Kafka TopicsImage/TopicImage).
// Immutable: a delta builds a new image and shares every topic it did not touch.

import type { TopicId } from "../records.js";
import { describePartition, type PartitionRegistration } from "./partition-registration.js";

export class TopicImage {
  constructor(
    readonly name: string,
    readonly id: TopicId,
    /** Partition id → registration; ids are 0..n-1 once the topic's records are all replayed. */
    readonly partitions: ReadonlyMap<number, PartitionRegistration>,
  ) {}

  partition(partitionId: number): PartitionRegistration | undefined {
    return this.partitions.get(partitionId);
  }

  /** Partition ids in ascending order. */
  partitionIds(): number[] {
    return [...this.partitions.keys()].sort((a, b) => a - b);
  }

  describe(): string {
    const lines = [`topic ${this.name} id=${this.id} partitions=${this.partitions.size}`];
    for (const p of this.partitionIds()) lines.push(`  ${this.name}-${p} ${describePartition(this.partitions.get(p)!)}`);
    return lines.join("\n");
  }
}

export class TopicsImage {
  static readonly EMPTY = new TopicsImage(new Map(), new Map());

  constructor(
    readonly byId: ReadonlyMap<TopicId, TopicImage>,
    /** Invariant: the same topics as byId, keyed by name. */
    readonly byName: ReadonlyMap<string, TopicImage>,
  ) {}

  topic(id: TopicId): TopicImage | undefined {
    return this.byId.get(id);
  }

  topicByName(name: string): TopicImage | undefined {
    return this.byName.get(name);
  }

  isEmpty(): boolean {
    return this.byId.size === 0;
  }

  /** Topic names in ascending order. */
  topicNames(): string[] {
    return [...this.byName.keys()].sort();
  }

  describe(): string {
    return this.topicNames()
      .map((name) => this.byName.get(name)!.describe())
      .join("\n");
  }
}
