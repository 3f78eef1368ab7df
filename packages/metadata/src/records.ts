// Cluster metadata records: the plain TypeScript shape of every entry in the controllers' Raft log.
// They mirror Kafka's metadata records (metadata/src/main/resources/common/metadata/*.json) and
// are encoded with protos/replog/metadata.proto (record-codec.ts). Controllers produce them
// (ControllerResult.records); every controller and broker replays them in log order
// (MetadataDelta.replay). Records are values: nobody mutates one after it is built.

import type { Brand, BrokerEpoch, BrokerId, LeaderEpoch, PartitionEpoch, ProducerId } from "@replog/common";

/** A topic id: Kafka's Uuid in its printed form (base64url, 22 characters). */
export type TopicId = Brand<string, "TopicId">;
export const topicId = (s: string): TopicId => s as TopicId;

/** A broker incarnation id: a Kafka Uuid, new on every broker process start. */
export type IncarnationId = Brand<string, "IncarnationId">;
export const incarnationId = (s: string): IncarnationId => s as IncarnationId;

/**
 * KIP-704: after an unclean election the leader is RECOVERING until it tells the controller (via
 * AlterPartition) that it has recovered; until then the ISR may not grow past the leader.
 */
export type LeaderRecoveryState = "RECOVERED" | "RECOVERING";

export interface Endpoint {
  /** Listener name, e.g. PLAINTEXT. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** Kafka apiKey 0. A new incarnation registers fenced; it is unfenced once it has caught up. */
export interface RegisterBrokerRecord {
  readonly type: "RegisterBrokerRecord";
  readonly brokerId: BrokerId;
  readonly incarnationId: IncarnationId;
  /** The metadata-log offset of this record (KRaft), so it is monotonic across restarts. */
  readonly brokerEpoch: BrokerEpoch;
  readonly endpoints: readonly Endpoint[];
  readonly rack: string | null;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
}

/** Kafka apiKey 1. */
export interface UnregisterBrokerRecord {
  readonly type: "UnregisterBrokerRecord";
  readonly brokerId: BrokerId;
  readonly brokerEpoch: BrokerEpoch;
}

/** Kafka apiKey 2. Always followed by one PartitionRecord per partition. */
export interface TopicRecord {
  readonly type: "TopicRecord";
  readonly name: string;
  readonly topicId: TopicId;
}

/** Kafka apiKey 3. The full state of one partition. */
export interface PartitionRecord {
  readonly type: "PartitionRecord";
  readonly topicId: TopicId;
  readonly partitionId: number;
  /** Assignment order; replicas[0] is the preferred leader. */
  readonly replicas: readonly BrokerId[];
  readonly isr: readonly BrokerId[];
  /** NO_LEADER (-1) when the partition is offline. */
  readonly leader: BrokerId;
  readonly leaderRecoveryState: LeaderRecoveryState;
  readonly leaderEpoch: LeaderEpoch;
  readonly partitionEpoch: PartitionEpoch;
}

/** Kafka's ConfigResource type codes. */
export type ConfigResourceType = "TOPIC" | "BROKER";
export const CONFIG_RESOURCE_CODES: Readonly<Record<ConfigResourceType, number>> = { TOPIC: 2, BROKER: 4 };

/** Kafka apiKey 4. A null value deletes the key (back to the default). */
export interface ConfigRecord {
  readonly type: "ConfigRecord";
  readonly resourceType: ConfigResourceType;
  /** Topic name; broker id as text; "" for the cluster-wide broker default. */
  readonly resourceName: string;
  readonly name: string;
  readonly value: string | null;
}

/**
 * Kafka apiKey 5. A delta: an absent field means "unchanged". Replaying it always bumps the
 * partition epoch, and bumps the leader epoch only when `leader` is present, even if it names
 * the same leader (Kafka PartitionRegistration.merge; reference §2.6).
 */
export interface PartitionChangeRecord {
  readonly type: "PartitionChangeRecord";
  readonly topicId: TopicId;
  readonly partitionId: number;
  readonly isr?: readonly BrokerId[];
  /** NO_LEADER (-1) = no leader. Kafka writes -2 for "unchanged"; here the field is absent. */
  readonly leader?: BrokerId;
  readonly replicas?: readonly BrokerId[];
  readonly leaderRecoveryState?: LeaderRecoveryState;
  /** Present (true) only on the record of an unclean election: committed data may be lost. */
  readonly uncleanElection?: true;
}

/** Kafka apiKey 9. Deletes the topic, its partitions and its configs. */
export interface RemoveTopicRecord {
  readonly type: "RemoveTopicRecord";
  readonly topicId: TopicId;
}

/** Kafka apiKey 12. A feature level such as metadata.version; level 0 removes the feature. */
export interface FeatureLevelRecord {
  readonly type: "FeatureLevelRecord";
  readonly name: string;
  readonly featureLevel: number;
}

/** Kafka apiKey 15. The controller gave `brokerId` a block; ids below nextProducerId are taken. */
export interface ProducerIdsRecord {
  readonly type: "ProducerIdsRecord";
  readonly brokerId: BrokerId;
  readonly brokerEpoch: BrokerEpoch;
  readonly nextProducerId: ProducerId;
}

/** Kafka apiKey 17. fenced: true = fence, false = unfence, absent = no change. */
export interface BrokerRegistrationChangeRecord {
  readonly type: "BrokerRegistrationChangeRecord";
  readonly brokerId: BrokerId;
  readonly brokerEpoch: BrokerEpoch;
  readonly fenced?: boolean;
  /** Kafka can only set this flag; a new registration clears it. */
  readonly inControlledShutdown?: true;
}

/** Kafka apiKey 20. Keeps the metadata log and its high watermark moving when idle. */
export interface NoOpRecord {
  readonly type: "NoOpRecord";
}

export type MetadataRecord =
  | RegisterBrokerRecord
  | UnregisterBrokerRecord
  | TopicRecord
  | PartitionRecord
  | ConfigRecord
  | PartitionChangeRecord
  | RemoveTopicRecord
  | FeatureLevelRecord
  | ProducerIdsRecord
  | BrokerRegistrationChangeRecord
  | NoOpRecord;

export type MetadataRecordType = MetadataRecord["type"];
