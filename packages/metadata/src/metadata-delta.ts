// Accumulates committed metadata records on top of an image (Kafka MetadataDelta). A broker's
// metadata loader (and a standby controller) does: delta = new MetadataDelta(image);
// delta.replay(record) for each committed record; image = delta.apply(provenance); then hands
// delta.localChanges(brokerId) to its replica manager (STYLE habit 2).

import { assert, unreachable, type BrokerId } from "@replog/common";
import { ClusterDelta } from "./image/cluster-delta.js";
import { ConfigsDelta } from "./image/configs-delta.js";
import { ProducerIdsImage } from "./image/producer-ids-image.js";
import { TopicsDelta } from "./image/topics-delta.js";
import type { LocalReplicaChanges } from "./image/local-replica-changes.js";
import { MetadataImage, type MetadataProvenance } from "./metadata-image.js";
import type { FeatureLevelRecord, MetadataRecord, ProducerIdsRecord } from "./records.js";

export class MetadataDelta {
  readonly cluster: ClusterDelta;
  readonly topics: TopicsDelta;
  private readonly configs: ConfigsDelta;
  private readonly features: FeatureLevelRecord[] = [];
  private producerIds: ProducerIdsRecord | undefined;
  private recordCount = 0;

  constructor(readonly image: MetadataImage) {
    this.cluster = new ClusterDelta(image.cluster);
    this.topics = new TopicsDelta(image.topics);
    this.configs = new ConfigsDelta(image.configs);
  }

  /** Records replayed so far. */
  get size(): number {
    return this.recordCount;
  }

  replay(record: MetadataRecord): void {
    this.recordCount += 1;
    switch (record.type) {
      case "RegisterBrokerRecord":
        return this.cluster.replayRegister(record);
      case "UnregisterBrokerRecord":
        return this.cluster.replayUnregister(record);
      case "BrokerRegistrationChangeRecord":
        return this.cluster.replayChange(record);
      case "TopicRecord":
        return this.topics.replayTopic(record);
      case "PartitionRecord":
        return this.topics.replayPartition(record);
      case "PartitionChangeRecord":
        return this.topics.replayPartitionChange(record);
      case "RemoveTopicRecord": {
        const name = this.topics.replayRemoveTopic(record);
        return this.configs.deleteResource({ type: "TOPIC", name });
      }
      case "ConfigRecord":
        return this.configs.replay(record);
      case "FeatureLevelRecord":
        this.features.push(record);
        return;
      case "ProducerIdsRecord": {
        const current = this.producerIds?.nextProducerId ?? this.image.producerIds.nextProducerId;
        assert(record.nextProducerId > current, `ProducerIdsRecord moves next producer id back from ${current} to ${record.nextProducerId}`);
        this.producerIds = record;
        return;
      }
      case "NoOpRecord":
        return;
      default:
        return unreachable(record, "metadata record");
    }
  }

  /** The new image, at `provenance` in the metadata log. The base image is not changed. */
  apply(provenance: MetadataProvenance): MetadataImage {
    assert(provenance.lastIndex >= this.image.provenance.lastIndex, "a delta never moves the image back in the log");
    return new MetadataImage(
      provenance,
      this.image.features.apply(this.features),
      this.cluster.apply(),
      this.topics.apply(),
      this.configs.apply(),
      this.producerIds === undefined ? this.image.producerIds : new ProducerIdsImage(this.producerIds.nextProducerId),
    );
  }

  /** What `brokerId` must do to its replicas (Kafka TopicsDelta.localChanges). */
  localChanges(brokerId: BrokerId): LocalReplicaChanges {
    return this.topics.localChanges(brokerId);
  }
}
