// Reading, validating and patching RecordBatch v2 headers without touching the records. This is
// the broker's hot path (DESIGN.md section 5): validate header and CRC on produce, patch the base
// offset and leader epoch on append, walk batches when recovering or serving a fetch.
//
// What is detected, exactly (Kafka `DefaultRecordBatch.ensureValid` and `isValid`):
// - the CRC-32C covers attributes .. end of batch, so any change there or in the crc field itself
//   is a CorruptRecordError from `validateBatch`;
// - batchLength and magic are checked structurally by `readBatchHeader` (length below the 49-byte
//   minimum, negative, or past the end of the buffer; magic other than 2);
// - baseOffset and partitionLeaderEpoch are outside the CRC by Kafka's design (the leader rewrites
//   them on append). A change there is not detected unless it makes the value impossible (a
//   negative or beyond-2^53 base offset): the batch then reads with a different offset or epoch.
import { assert } from "@replog/common";
import { crc32c } from "./crc32c.js";
import { compressionFromCode, type CompressionType } from "./compression.js";
import { CorruptRecordError } from "./kafka-errors.js";
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_MIN,
  COMPRESSION_CODEC_MASK,
  CONTROL_FLAG_MASK,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LENGTH_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_SIZE_MIN,
  RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG_MASK,
} from "./record-batch-layout.js";

export type TimestampType = "CreateTime" | "LogAppendTime";

export interface BatchHeader {
  baseOffset: number;
  /** Bytes after the length field: sizeInBytes - LOG_OVERHEAD. */
  batchLength: number;
  /** Whole batch on disk and on the wire: batchLength + 12. */
  sizeInBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** The stored CRC-32C (unsigned). */
  crc: number;
  attributes: number;
  compression: CompressionType;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  /** baseOffset + lastOffsetDelta. */
  lastOffset: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

const TWO_POW_32 = 2 ** 32;

/** Reads a big-endian int64 as a number; a value beyond ±2^53 is corrupt for our purposes. */
function readSafeInt64(buf: Buffer, at: number, field: string): number {
  const hi = buf.readInt32BE(at);
  const lo = buf.readUInt32BE(at + 4);
  if (hi >= 0x200000 || hi < -0x200000) throw new CorruptRecordError(`${field} at ${at} is beyond ±2^53`);
  return hi * TWO_POW_32 + lo;
}

/** Writes a safe-integer number as a big-endian int64. */
function writeInt64(buf: Buffer, at: number, value: number): void {
  const hi = Math.floor(value / TWO_POW_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * TWO_POW_32, at + 4);
}

/**
 * The size a batch at `pos` claims (from its length field), "incomplete" when the buffer ends
 * before the batch does, or a CorruptRecordError for a length or magic that cannot be right.
 * A length beyond `maxBatchSize` is corrupt rather than incomplete (Kafka's FileLogInputStream
 * does the same with the largest allowed message size): without that bound, a damaged length in
 * the middle of a segment would look like a torn tail.
 */
export function batchSizeAt(buf: Buffer, pos = 0, maxBatchSize = Number.POSITIVE_INFINITY): number | "incomplete" {
  assert(Number.isInteger(pos) && pos >= 0, () => `batch position ${pos} is not a non-negative integer`);
  const remaining = buf.length - pos;
  if (remaining < LOG_OVERHEAD) return "incomplete";
  const batchLength = buf.readInt32BE(pos + LENGTH_OFFSET);
  if (batchLength < BATCH_LENGTH_MIN) {
    throw new CorruptRecordError(`batch at ${pos} has length ${batchLength}, below the minimum ${BATCH_LENGTH_MIN}`);
  }
  if (remaining > MAGIC_OFFSET) {
    const magic = buf.readInt8(pos + MAGIC_OFFSET);
    if (magic !== MAGIC_V2) throw new CorruptRecordError(`batch at ${pos} has magic ${magic}; only magic 2 is supported`);
  }
  const sizeInBytes = batchLength + LOG_OVERHEAD;
  if (sizeInBytes > maxBatchSize) {
    throw new CorruptRecordError(`batch at ${pos} claims ${sizeInBytes} bytes, more than the largest allowed ${maxBatchSize}`);
  }
  return remaining < sizeInBytes ? "incomplete" : sizeInBytes;
}

/**
 * Reads a batch header structurally, without checking the CRC. Throws CorruptRecordError for a
 * short buffer, a bad magic, a negative or impossible length or record count.
 */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  const size = batchSizeAt(buf, pos);
  if (size === "incomplete") {
    const remaining = Math.max(0, buf.length - pos);
    throw new CorruptRecordError(`batch at ${pos} is truncated: ${remaining} bytes available`);
  }
  const attributes = buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
  const baseOffset = readSafeInt64(buf, pos + BASE_OFFSET_OFFSET, "baseOffset");
  if (baseOffset < 0) throw new CorruptRecordError(`batch at ${pos} has negative base offset ${baseOffset}`);
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
  if (lastOffsetDelta < 0) throw new CorruptRecordError(`batch at ${pos} has negative lastOffsetDelta ${lastOffsetDelta}`);
  const recordCount = buf.readInt32BE(pos + RECORDS_COUNT_OFFSET);
  if (recordCount < 0) throw new CorruptRecordError(`batch at ${pos} has negative record count ${recordCount}`);
  return {
    baseOffset,
    batchLength: size - LOG_OVERHEAD,
    sizeInBytes: size,
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET),
    magic: MAGIC_V2,
    crc: buf.readUInt32BE(pos + CRC_OFFSET),
    attributes,
    compression: compressionFromCode(attributes & COMPRESSION_CODEC_MASK),
    timestampType: attributes & TIMESTAMP_TYPE_MASK ? "LogAppendTime" : "CreateTime",
    isTransactional: (attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
    isControl: (attributes & CONTROL_FLAG_MASK) !== 0,
    lastOffsetDelta,
    lastOffset: baseOffset + lastOffsetDelta,
    baseTimestamp: readSafeInt64(buf, pos + BASE_TIMESTAMP_OFFSET, "baseTimestamp"),
    maxTimestamp: readSafeInt64(buf, pos + MAX_TIMESTAMP_OFFSET, "maxTimestamp"),
    producerId: buf.readBigInt64BE(pos + PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET),
    recordCount,
  };
}

/** CRC-32C of the CRC-covered part of the batch at `pos` (attributes .. end). */
export function computeBatchCrc(buf: Buffer, pos: number, sizeInBytes: number): number {
  return crc32c(buf.subarray(pos + ATTRIBUTES_OFFSET, pos + sizeInBytes));
}

/**
 * readBatchHeader plus the CRC-32C check and record-count sanity (count ≤ lastOffsetDelta + 1,
 * as compaction may remove records but never adds offsets; an uncompressed batch cannot hold more
 * records than fit at 7 bytes each). Throws CorruptRecordError (Kafka CORRUPT_MESSAGE, code 2).
 */
export function validateBatch(buf: Buffer, pos = 0): BatchHeader {
  const header = readBatchHeader(buf, pos);
  const actual = computeBatchCrc(buf, pos, header.sizeInBytes);
  if (actual !== header.crc) {
    throw new CorruptRecordError(
      `batch at ${pos} failed its CRC-32C check: stored 0x${header.crc.toString(16)}, computed 0x${actual.toString(16)}`,
    );
  }
  if (header.recordCount > header.lastOffsetDelta + 1) {
    throw new CorruptRecordError(
      `batch at ${pos} has ${header.recordCount} records but spans only ${header.lastOffsetDelta + 1} offsets`,
    );
  }
  if (header.compression === "none" && header.recordCount * RECORD_SIZE_MIN > header.sizeInBytes - BATCH_HEADER_SIZE) {
    throw new CorruptRecordError(`batch at ${pos} claims ${header.recordCount} records in ${header.sizeInBytes - BATCH_HEADER_SIZE} bytes`);
  }
  return header;
}

/** Sets the base offset in place. Outside the CRC (Kafka: the leader assigns offsets on append). */
export function setBaseOffset(buf: Buffer, pos: number, offset: number): void {
  assert(Number.isSafeInteger(offset) && offset >= 0, () => `base offset ${offset} is not a non-negative safe integer`);
  writeInt64(buf, pos + BASE_OFFSET_OFFSET, offset);
}

/** Sets the partition leader epoch in place. Outside the CRC (Kafka: stamped by the leader). */
export function setPartitionLeaderEpoch(buf: Buffer, pos: number, epoch: number): void {
  assert(Number.isInteger(epoch) && epoch >= -1 && epoch <= 0x7fffffff, () => `leader epoch ${epoch} is not an int32 ≥ -1`);
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH_OFFSET);
}

/**
 * Sets the timestamp type and max timestamp in place, as Kafka's `setMaxTimestamp` does for
 * `message.timestamp.type=LogAppendTime`. Both fields are inside the CRC, so the CRC is recomputed:
 * this costs one pass over the batch, and must only be applied to a batch already validated
 * (otherwise it would bless corrupt bytes with a fresh CRC).
 */
export function setMaxTimestamp(buf: Buffer, pos: number, timestampType: TimestampType, maxTimestamp: number): void {
  assert(Number.isSafeInteger(maxTimestamp), () => `max timestamp ${maxTimestamp} is not a safe integer`);
  const size = buf.readInt32BE(pos + LENGTH_OFFSET) + LOG_OVERHEAD;
  const attributes = buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
  const updated = timestampType === "LogAppendTime" ? attributes | TIMESTAMP_TYPE_MASK : attributes & ~TIMESTAMP_TYPE_MASK;
  buf.writeInt16BE(updated, pos + ATTRIBUTES_OFFSET);
  writeInt64(buf, pos + MAX_TIMESTAMP_OFFSET, maxTimestamp);
  buf.writeUInt32BE(computeBatchCrc(buf, pos, size), pos + CRC_OFFSET);
}

/** LogAppendTime stamping: every record of the batch then reads with `timestamp`. Recomputes the CRC. */
export function setMaxTimestampAndLogAppendTime(buf: Buffer, pos: number, timestamp: number): void {
  setMaxTimestamp(buf, pos, "LogAppendTime", timestamp);
}

/**
 * Walks concatenated batches from `pos`, reading each header structurally (no CRC check; call
 * validateBatch where bytes come from outside). Stops without throwing at an incomplete trailing
 * batch (a torn write), and throws CorruptRecordError at a structurally corrupt one, including
 * one whose length exceeds `maxBatchSize` (see batchSizeAt).
 */
export function* batchesIn(buf: Buffer, pos = 0, maxBatchSize = Number.POSITIVE_INFINITY): Generator<{ pos: number; header: BatchHeader }> {
  while (pos < buf.length) {
    const size = batchSizeAt(buf, pos, maxBatchSize);
    if (size === "incomplete") return;
    const header = readBatchHeader(buf, pos);
    yield { pos, header };
    pos += size;
  }
}
