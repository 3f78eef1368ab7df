// @replog/protocol: Proto loading, Kafka RecordBatch v2 codec, CRC32C, murmur2 partitioner, Kafka error table.
export {};
