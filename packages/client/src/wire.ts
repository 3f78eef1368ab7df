// The broker API's messages as @grpc/proto-loader hands them to us (protos/replog/broker.proto and
// the admin messages of controller.proto): camelCase fields, int64 as decimal strings on the way
// in (we may send numbers on the way out), bytes as Buffers. Only the fields the client reads or
// writes are typed; the .proto files stay the contract.

export type Long = string | number;

export interface BrokerNodeWire {
  nodeId: number;
  host: string;
  port: number;
  rack: string;
}

export interface PartitionMetadataWire {
  errorCode: number;
  errorName: string;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export interface TopicMetadataWire {
  errorCode: number;
  errorName: string;
  name: string;
  topicId: string;
  partitions: PartitionMetadataWire[];
  configs: Record<string, string>;
}

export interface MetadataResponseWire {
  brokers: BrokerNodeWire[];
  clusterId: string;
  controllerId: number;
  topics: TopicMetadataWire[];
  metadataOffset: Long;
}

export interface ProduceRequestWire {
  correlationId: Long;
  acks: number;
  timeoutMs: number;
  topics: Array<{ name: string; partitions: Array<{ index: number; records: Buffer }> }>;
  clientId: string;
}

export interface PartitionProduceResponseWire {
  index: number;
  errorCode: number;
  errorName: string;
  errorMessage: string;
  baseOffset: Long;
  logAppendTimeMs: Long;
  logStartOffset: Long;
}

/** broker.proto InitProducerIdResponse (Kafka InitProducerId 22, idempotent producers). */
export interface InitProducerIdResponseWire {
  errorCode: number;
  errorName: string;
  errorMessage: string;
  producerId: Long;
  producerEpoch: number;
}

export interface ProduceResponseWire {
  correlationId: Long;
  topics: Array<{ name: string; partitions: PartitionProduceResponseWire[] }>;
}

export interface FetchPartitionWire {
  index: number;
  currentLeaderEpoch: number;
  fetchOffset: Long;
  lastFetchedEpoch: number;
  logStartOffset: Long;
  partitionMaxBytes: number;
}

export interface FetchRequestWire {
  correlationId: Long;
  replicaId: number;
  replicaEpoch: Long;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  topics: Array<{ name: string; partitions: FetchPartitionWire[] }>;
  clientId: string;
}

export interface FetchPartitionResponseWire {
  index: number;
  errorCode: number;
  errorName: string;
  errorMessage: string;
  highWatermark: Long;
  lastStableOffset: Long;
  logStartOffset: Long;
  currentLeader: { leaderId: number; leaderEpoch: number } | null;
  records: Buffer;
  logEndOffset: Long;
}

export interface FetchResponseWire {
  correlationId: Long;
  errorCode: number;
  errorMessage: string;
  topics: Array<{ name: string; partitions: FetchPartitionResponseWire[] }>;
}

export interface ListOffsetsRequestWire {
  replicaId: number;
  topics: Array<{ name: string; partitions: Array<{ index: number; currentLeaderEpoch: number; timestamp: Long }> }>;
}

export interface ListOffsetsPartitionResponseWire {
  index: number;
  errorCode: number;
  errorName: string;
  errorMessage: string;
  offset: Long;
  timestamp: Long;
  leaderEpoch: number;
}

export interface ListOffsetsResponseWire {
  topics: Array<{ name: string; partitions: ListOffsetsPartitionResponseWire[] }>;
}

/** The request-level fields every forwarded admin answer starts with. */
export interface AdminAnswerWire {
  errorCode: number;
  errorMessage: string;
  leaderEndpoint?: string;
}

export interface TopicResultWire {
  name: string;
  topicId: string;
  errorCode: number;
  errorName: string;
  errorMessage: string;
  numPartitions: number;
  replicationFactor: number;
}

export interface TopicsResponseWire extends AdminAnswerWire {
  topics: TopicResultWire[];
}

export interface ResourceResultWire {
  resourceType: string;
  resourceName: string;
  errorCode: number;
  errorName: string;
  errorMessage: string;
}

export interface ElectLeadersResponseWire extends AdminAnswerWire {
  partitions: Array<{ topic: string; partition: number; errorCode: number; errorName: string; errorMessage: string }>;
}

export interface ReplicaStateWire {
  nodeId: number;
  logEndOffset: Long;
  lastFetchTimestamp: Long;
  lastCaughtUpTimestamp: Long;
}

export interface DescribeQuorumResponseWire extends AdminAnswerWire {
  leaderHint: number;
  clusterId: string;
  leaderId: number;
  leaderEpoch: Long;
  highWatermark: Long;
  currentVoters: ReplicaStateWire[];
  currentObservers: ReplicaStateWire[];
}

/** Kafka ListOffsets sentinels (KIP-79): the log start offset and the high watermark. */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;
