// Partitioners: which partition a message goes to. The default is Kafka's (KIP-794 era) built-in
// partitioner: an explicit `partition` wins; a keyed message goes to
// `toPositive(murmur2(key)) % numPartitions` over all partitions, exactly where a Java client puts
// it; a message without a key sticks to one available partition until about `batch.size` bytes
// were sent there, then moves to another at random, so that null-key traffic fills whole batches
// instead of spraying one record per partition. Custom partitioners follow KafkaJS's
// `createPartitioner` shape.
import type { Random } from "@replog/common";
import { defaultPartition } from "@replog/protocol";

export interface PartitionerMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  partition?: number;
}

export interface PartitionerArgs {
  topic: string;
  /** KafkaJS shape: one entry per partition, `leader` -1 when it has none. */
  partitionMetadata: ReadonlyArray<{ partitionId: number; leader: number }>;
  message: PartitionerMessage;
}

export type Partitioner = (args: PartitionerArgs) => number;
/** KafkaJS `createPartitioner`: called once per producer. */
export type PartitionerFactory = () => Partitioner;

export function toBuffer(data: Buffer | string | null | undefined): Buffer | null {
  if (data === null || data === undefined) return null;
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}

interface Sticky {
  partition: number;
  bytesLeft: number;
}

/** Kafka's default partitioner: murmur2 for keys, sticky for null keys (see the file header). */
export function createDefaultPartitioner(random: Random, batchSizeBytes: number): Partitioner {
  const sticky = new Map<string, Sticky>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    const n = partitionMetadata.length;
    const key = toBuffer(message.key);
    if (key !== null) return defaultPartition(key, n);
    const size = (toBuffer(message.value)?.length ?? 0) + 1;
    let s = sticky.get(topic);
    if (!s || s.bytesLeft <= 0 || s.partition >= n) {
      s = { partition: nextSticky(partitionMetadata, s?.partition, random), bytesLeft: batchSizeBytes };
      sticky.set(topic, s);
    }
    s.bytesLeft -= size;
    return s.partition;
  };
}

/** A random partition with a leader (any partition if none has one), other than `previous` when possible. */
function nextSticky(partitions: PartitionerArgs["partitionMetadata"], previous: number | undefined, random: Random): number {
  const available = partitions.filter((p) => p.leader >= 0).map((p) => p.partitionId);
  const pool = available.length > 0 ? available : partitions.map((p) => p.partitionId);
  const others = pool.length > 1 ? pool.filter((p) => p !== previous) : pool;
  return others[random.int(others.length)]!;
}

/** Round robin over all partitions for every message without an explicit partition (KafkaJS-style). */
export function createRoundRobinPartitioner(): Partitioner {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    const next = counters.get(topic) ?? 0;
    counters.set(topic, next + 1);
    return partitionMetadata[next % partitionMetadata.length]!.partitionId;
  };
}
