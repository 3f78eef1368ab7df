// The checks a partition leader applies to a batch that arrives from a producer, before it
// assigns offsets and appends (Kafka `UnifiedLog.analyzeAndValidateRecords` and
// `LogValidator.validateBatch` for client-originated v2 batches). Header-only: like Kafka's leader
// for uncompressed batches, it never decodes the records. Called by the broker's produce handler.
import { validateBatch, type BatchHeader } from "./batch-header.js";
import { InvalidRecordError, RecordTooLargeError } from "./kafka-errors.js";
import { LENGTH_OFFSET, LOG_OVERHEAD } from "./record-batch-layout.js";

export interface ProducedBatchLimits {
  /** Kafka `max.message.bytes` (topic) / `message.max.bytes` (broker): the largest batch accepted. */
  maxMessageBytes: number;
}

/**
 * Validates one producer batch at `pos`: size within `maxMessageBytes` (MESSAGE_TOO_LARGE),
 * structure and CRC (CORRUPT_MESSAGE), then Kafka's client-batch rules (INVALID_RECORD): no control
 * batches from clients, at least one record, record count equal to the offset span, a sequence
 * number with every producer id, and a producer id on every transactional batch.
 */
export function validateProducedBatch(buf: Buffer, pos: number, limits: ProducedBatchLimits): BatchHeader {
  // Checked first, from the length field alone, as Kafka does before any other validation.
  const claimed = buf.length - pos >= LOG_OVERHEAD ? buf.readInt32BE(pos + LENGTH_OFFSET) + LOG_OVERHEAD : 0;
  if (claimed > limits.maxMessageBytes) {
    throw new RecordTooLargeError(`batch of ${claimed} bytes exceeds max.message.bytes ${limits.maxMessageBytes}`);
  }
  const header = validateBatch(buf, pos);
  if (header.isControl) throw new InvalidRecordError("clients are not allowed to write control records");
  if (header.recordCount <= 0) throw new InvalidRecordError(`invalid record count ${header.recordCount}`);
  if (header.recordCount !== header.lastOffsetDelta + 1) {
    throw new InvalidRecordError(`inconsistent batch offset range (${header.lastOffsetDelta + 1}) and record count (${header.recordCount})`);
  }
  const hasProducerId = header.producerId >= 0n;
  if (hasProducerId && header.baseSequence < 0) {
    throw new InvalidRecordError(`invalid sequence number ${header.baseSequence} for producer ${header.producerId}`);
  }
  if (header.isTransactional && !hasProducerId) throw new InvalidRecordError("transactional batch without a producer id");
  return header;
}
