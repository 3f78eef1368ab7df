// Metadata snapshots (KIP-630): an image written as the records that rebuild it, and read back by
// replaying them onto the empty image. Every node snapshots its own committed image; a node that
// loads a snapshot replaces its state with it (reference §6.10). Writing and reading the snapshot
// file is the shell's business; these functions only map image ⇄ records.

import type { MetadataProvenance } from "./metadata-image.js";
import { MetadataImage } from "./metadata-image.js";
import { MetadataDelta } from "./metadata-delta.js";
import { brokerToRecord } from "./image/cluster-image.js";
import { partitionToRecord } from "./image/partition-registration.js";
import type { MetadataRecord } from "./records.js";

/**
 * The records that rebuild `image` from empty, in a fixed order: features, brokers, topics with
 * their partitions, configs, producer ids. Same image, same records.
 */
export function writeSnapshot(image: MetadataImage): MetadataRecord[] {
  const records: MetadataRecord[] = [...image.features.toRecords()];
  for (const id of image.cluster.brokerIds()) records.push(brokerToRecord(image.cluster.broker(id)!));
  for (const name of image.topics.topicNames()) {
    const topic = image.topics.topicByName(name)!;
    records.push({ type: "TopicRecord", name, topicId: topic.id });
    for (const p of topic.partitionIds()) records.push(partitionToRecord(topic.id, p, topic.partition(p)!));
  }
  records.push(...image.configs.toRecords(), ...image.producerIds.toRecords());
  return records;
}

/** Rebuilds an image from snapshot records; it replaces whatever image the node had. */
export function loadSnapshot(records: Iterable<MetadataRecord>, provenance: MetadataProvenance): MetadataImage {
  const delta = new MetadataDelta(MetadataImage.EMPTY);
  for (const record of records) delta.replay(record);
  return delta.apply(provenance);
}
