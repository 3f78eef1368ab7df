// Changes to topics and partitions since a TopicsImage (Kafka TopicsDelta). Mutable; only
// MetadataDelta drives it. A record that names an unknown topic or partition means the log and
// this replica disagree, which can only be a bug, so it is an assertion.

import { assert, type BrokerId } from "@replog/common";
import type { PartitionChangeRecord, PartitionRecord, RemoveTopicRecord, TopicId, TopicRecord } from "../records.js";
import type { LocalPartitionChange, LocalPartitionDelete, LocalReplicaChanges } from "./local-replica-changes.js";
import { mergePartitionChange, partitionFromRecord, type PartitionRegistration } from "./partition-registration.js";
import { TopicImage, TopicsImage } from "./topics-image.js";

interface ChangedTopic {
  readonly name: string;
  readonly id: TopicId;
  /** The topic in the base image; undefined when it was created in this delta. */
  readonly base: TopicImage | undefined;
  /** New or changed partitions only. */
  readonly partitions: Map<number, PartitionRegistration>;
}

const byTopicThenPartition = (a: { topicName: string; partitionId: number }, b: { topicName: string; partitionId: number }): number =>
  a.topicName < b.topicName ? -1 : a.topicName > b.topicName ? 1 : a.partitionId - b.partitionId;

export class TopicsDelta {
  private readonly changed = new Map<TopicId, ChangedTopic>();
  /** Topics of the base image removed by this delta. */
  private readonly deleted = new Set<TopicId>();

  constructor(readonly image: TopicsImage) {}

  /** The name of a live topic (in this delta or the base image), if any. */
  topicName(id: TopicId): string | undefined {
    if (this.deleted.has(id)) return undefined;
    return this.changed.get(id)?.name ?? this.image.topic(id)?.name;
  }

  partition(id: TopicId, partitionId: number): PartitionRegistration | undefined {
    if (this.deleted.has(id)) return undefined;
    const changed = this.changed.get(id);
    return changed?.partitions.get(partitionId) ?? changed?.base?.partition(partitionId) ?? this.image.topic(id)?.partition(partitionId);
  }

  deletedTopicIds(): ReadonlySet<TopicId> {
    return this.deleted;
  }

  replayTopic(r: TopicRecord): void {
    assert(this.topicName(r.topicId) === undefined, `TopicRecord for existing topic id ${r.topicId}`);
    this.changed.set(r.topicId, { name: r.name, id: r.topicId, base: undefined, partitions: new Map() });
  }

  replayPartition(r: PartitionRecord): void {
    this.changedTopic(r.topicId, "PartitionRecord").partitions.set(r.partitionId, partitionFromRecord(r));
  }

  replayPartitionChange(r: PartitionChangeRecord): void {
    const topic = this.changedTopic(r.topicId, "PartitionChangeRecord");
    const current = this.partition(r.topicId, r.partitionId);
    assert(current !== undefined, `PartitionChangeRecord for unknown partition ${r.topicId}-${r.partitionId}`);
    topic.partitions.set(r.partitionId, mergePartitionChange(current, r));
  }

  /** Returns the name of the removed topic, so that its configs can go too. */
  replayRemoveTopic(r: RemoveTopicRecord): string {
    const name = this.topicName(r.topicId);
    assert(name !== undefined, `RemoveTopicRecord for unknown topic id ${r.topicId}`);
    this.changed.delete(r.topicId);
    if (this.image.topic(r.topicId) !== undefined) this.deleted.add(r.topicId);
    return name;
  }

  private changedTopic(id: TopicId, what: string): ChangedTopic {
    let topic = this.changed.get(id);
    if (topic === undefined) {
      const base = this.deleted.has(id) ? undefined : this.image.topic(id);
      assert(base !== undefined, `${what} for unknown topic id ${id}`);
      topic = { name: base.name, id, base, partitions: new Map() };
      this.changed.set(id, topic);
    }
    return topic;
  }

  apply(): TopicsImage {
    if (this.changed.size === 0 && this.deleted.size === 0) return this.image;
    const byId = new Map(this.image.byId);
    const byName = new Map(this.image.byName);
    // Deletes first: a topic deleted and re-created under the same name in one delta keeps the new one.
    for (const id of this.deleted) {
      byName.delete(byId.get(id)!.name);
      byId.delete(id);
    }
    for (const t of this.changed.values()) {
      const partitions = new Map(t.base?.partitions ?? []);
      for (const [p, registration] of t.partitions) partitions.set(p, registration);
      const topic = new TopicImage(t.name, t.id, partitions);
      byId.set(t.id, topic);
      byName.set(t.name, topic);
    }
    return new TopicsImage(byId, byName);
  }

  /**
   * Kafka TopicsDelta.localChanges: what `brokerId` must do. A partition whose partition epoch did
   * not change needs nothing (a snapshot may re-state it).
   */
  localChanges(brokerId: BrokerId): LocalReplicaChanges {
    const becomeLeader: LocalPartitionChange[] = [];
    const becomeFollower: LocalPartitionChange[] = [];
    const deletes: LocalPartitionDelete[] = [];
    for (const id of this.deleted) {
      const topic = this.image.topic(id)!;
      for (const [partitionId, p] of topic.partitions) {
        if (p.replicas.includes(brokerId)) deletes.push({ topicName: topic.name, topicId: id, partitionId, topicDeleted: true });
      }
    }
    for (const t of this.changed.values()) {
      for (const [partitionId, registration] of t.partitions) {
        const previous = t.base?.partition(partitionId);
        const where = { topicName: t.name, topicId: t.id, partitionId };
        if (!registration.replicas.includes(brokerId)) {
          if (previous?.replicas.includes(brokerId)) deletes.push({ ...where, topicDeleted: false });
          continue;
        }
        if (previous !== undefined && previous.partitionEpoch === registration.partitionEpoch && previous.leaderEpoch === registration.leaderEpoch) continue;
        (registration.leader === brokerId ? becomeLeader : becomeFollower).push({ ...where, registration, previous });
      }
    }
    return {
      becomeLeader: becomeLeader.sort(byTopicThenPartition),
      becomeFollower: becomeFollower.sort(byTopicThenPartition),
      deletes: deletes.sort(byTopicThenPartition),
    };
  }
}
