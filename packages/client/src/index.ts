// @replog/client: Producer, Consumer and Admin in KafkaJS's shape, over the broker gRPC API.
// See README.md for the API and what is not there yet.
export { Replog, type ReplogConfig } from "./replog.js";
export { Producer, resolveProducerConfig, type Acks, type Compression, type Message, type ProducerConfig, type ProducerRecord, type RecordMetadata } from "./producer.js";
export { Consumer, type Batch, type ConsumerConfig, type EachBatchPayload, type EachMessagePayload, type PartitionLag, type RunConfig, type TopicPartitions } from "./consumer.js";
export type { KafkaMessage, OffsetResetPolicy } from "./fetcher.js";
export { Admin, ConfigResourceTypes, type ConfigResource, type ITopicConfig, type PartitionMetadata, type TopicMetadata } from "./admin.js";
export { createDefaultPartitioner, createRoundRobinPartitioner, type Partitioner, type PartitionerArgs, type PartitionerFactory } from "./partitioner.js";
export { DEFAULT_RETRY, retryDelayMs, type RetryOptions } from "./retry.js";
export { logLevel, type LogCreator, type LogEntry, type LogLevel } from "./logging.js";
export {
  ReplogConnectionError,
  ReplogError,
  ReplogMetadataError,
  ReplogNotConnected,
  ReplogOffsetOutOfRange,
  ReplogProtocolError,
  ReplogRequestTimeoutError,
  ReplogRetriesExhausted,
} from "./errors.js";
export { producerConfigFromProperties, consumerConfigFromProperties } from "./properties.js";
export type { Timers } from "./timers.js";
export type { LeaderChange } from "./cluster.js";
