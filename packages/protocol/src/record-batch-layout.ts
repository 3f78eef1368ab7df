// The byte layout of a Kafka RecordBatch v2 header (Kafka `DefaultRecordBatch`), all big-endian:
//
//   offset  size  field
//        0     8  baseOffset            ┐ LOG_OVERHEAD (12): the log's framing, outside the CRC
//        8     4  batchLength           ┘ (bytes after this field, i.e. sizeInBytes - 12)
//       12     4  partitionLeaderEpoch    outside the CRC: the leader stamps it on append
//       16     1  magic (= 2)
//       17     4  crc                     CRC-32C of bytes 21 .. end of batch
//       21     2  attributes              ┐
//       23     4  lastOffsetDelta         │
//       27     8  baseTimestamp           │
//       35     8  maxTimestamp            │ covered by the CRC
//       43     8  producerId              │
//       51     2  producerEpoch           │
//       53     4  baseSequence            │
//       57     4  recordCount             │
//       61     …  records (maybe compressed) ┘
//
// attributes: bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd), bit 3 timestamp
// type (1 = LogAppendTime), bit 4 transactional, bit 5 control, bit 6 delete horizon set.

export const BASE_OFFSET_OFFSET = 0;
export const LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** baseOffset (8) + batchLength (4): the framing every batch in a log starts with. */
export const LOG_OVERHEAD = 12;
/** Size of the v2 batch header, i.e. of a batch with no records. */
export const BATCH_HEADER_SIZE = 61;
/** The smallest legal batchLength: a header with no records. */
export const BATCH_LENGTH_MIN = BATCH_HEADER_SIZE - LOG_OVERHEAD;
/** The only record format this codec reads and writes. */
export const MAGIC_V2 = 2;

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

/** Kafka's sentinels for "no producer id / epoch / sequence" and "no timestamp". */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_TIMESTAMP = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

/**
 * A record with no key, no value and no headers takes 7 bytes (length, attributes, timestamp
 * delta, offset delta, key length, value length, header count: one byte each). An uncompressed
 * batch cannot hold more records than its payload divided by this.
 */
export const RECORD_SIZE_MIN = 7;
