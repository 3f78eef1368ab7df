// Typed access to KafkaJS 2.2.4's internal RecordBatch encoder and decoder (a root devDependency),
// used by the compatibility test as an independent implementation of the same wire format.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export interface KafkaJsEncoder {
  readonly buffer: Buffer;
}

export interface KafkaJsRecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer>;
  offsetDelta: number;
  timestampDelta: number;
}

export interface KafkaJsBatchInput {
  compression?: number;
  firstOffset?: unknown;
  firstTimestamp: number;
  maxTimestamp: number;
  partitionLeaderEpoch?: number;
  lastOffsetDelta: number;
  transactional?: boolean;
  producerEpoch?: number;
  firstSequence?: number;
  records: KafkaJsEncoder[];
}

export interface KafkaJsDecodedRecord {
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

export interface KafkaJsDecodedBatch {
  firstOffset: string;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  producerId: string;
  records: KafkaJsDecodedRecord[];
}

export const kafkajsRecord = require("kafkajs/src/protocol/recordBatch/record/v0") as (input: KafkaJsRecordInput) => KafkaJsEncoder;
export const kafkajsRecordBatch = (require("kafkajs/src/protocol/recordBatch/v0") as { RecordBatch: (input: KafkaJsBatchInput) => Promise<KafkaJsEncoder> })
  .RecordBatch;
const Decoder = require("kafkajs/src/protocol/decoder") as new (buffer: Buffer) => unknown;
const decodeBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder") as (decoder: unknown) => Promise<KafkaJsDecodedBatch>;
/** KafkaJS's compression type ids (0 none, 1 gzip). */
export const KAFKAJS_GZIP = 1;

export function kafkajsDecodeBatch(buf: Buffer): Promise<KafkaJsDecodedBatch> {
  return decodeBatch(new Decoder(buf));
}
