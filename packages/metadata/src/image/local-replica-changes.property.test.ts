// localChanges (computed from the delta) against a naive diff of the two images it joins.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { logIndex, nodeId, term, type BrokerId } from "@replog/common";
import { MetadataDelta } from "../metadata-delta.js";
import { MetadataImage } from "../metadata-image.js";
import { arbitraryOps, recordsFromOps } from "../test-support/valid-records.js";
import type { LocalReplicaChanges } from "./local-replica-changes.js";

function naive(before: MetadataImage, after: MetadataImage, broker: BrokerId): LocalReplicaChanges {
  const leaders: LocalReplicaChanges["becomeLeader"][number][] = [];
  const followers: LocalReplicaChanges["becomeFollower"][number][] = [];
  const deletes: LocalReplicaChanges["deletes"][number][] = [];
  for (const topic of after.topics.byId.values()) {
    for (const [partitionId, registration] of topic.partitions) {
      if (!registration.replicas.includes(broker)) continue;
      const previous = before.topics.topic(topic.id)?.partition(partitionId);
      if (previous !== undefined && previous.partitionEpoch === registration.partitionEpoch && previous.leaderEpoch === registration.leaderEpoch) continue;
      (registration.leader === broker ? leaders : followers).push({ topicName: topic.name, topicId: topic.id, partitionId, registration, previous });
    }
  }
  for (const topic of before.topics.byId.values()) {
    const now = after.topics.topic(topic.id);
    for (const [partitionId, p] of topic.partitions) {
      if (!p.replicas.includes(broker)) continue;
      if (now === undefined) deletes.push({ topicName: topic.name, topicId: topic.id, partitionId, topicDeleted: true });
      else if (!now.partition(partitionId)!.replicas.includes(broker)) deletes.push({ topicName: topic.name, topicId: topic.id, partitionId, topicDeleted: false });
    }
  }
  const order = (a: { topicName: string; partitionId: number }, b: { topicName: string; partitionId: number }) =>
    a.topicName.localeCompare(b.topicName) || a.partitionId - b.partitionId;
  return { becomeLeader: leaders.sort(order), becomeFollower: followers.sort(order), deletes: deletes.sort(order) };
}

describe("MetadataDelta.localChanges", () => {
  it("equals a naive diff of the images before and after the delta", () => {
    fc.assert(
      fc.property(arbitraryOps, fc.nat(), fc.integer({ min: 0, max: 4 }), (ops, cut, brokerNumber) => {
        const records = recordsFromOps(ops);
        const split = records.length === 0 ? 0 : cut % (records.length + 1);
        const first = new MetadataDelta(MetadataImage.EMPTY);
        records.slice(0, split).forEach((r) => first.replay(r));
        const before = first.apply({ lastIndex: logIndex(1), lastTerm: term(1) });
        const delta = new MetadataDelta(before);
        records.slice(split).forEach((r) => delta.replay(r));
        const after = delta.apply({ lastIndex: logIndex(2), lastTerm: term(1) });
        const broker = nodeId(brokerNumber);
        expect(delta.localChanges(broker)).toEqual(naive(before, after, broker));
      }),
      { numRuns: 300 },
    );
  });
});
