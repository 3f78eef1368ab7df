// Storage-specific typed errors. Each is a KafkaError, so a broker can put its name and code in a
// per-partition result unchanged.
import { InvalidRecordError, kafkaError, type KafkaError } from "@replog/protocol";

/**
 * A follower append whose first batch starts below the log end offset, or whose batches do not
 * increase in offset (Kafka: UnexpectedAppendOffsetException / OffsetsOutOfOrderException on the
 * follower path). Reported as INVALID_RECORD; nothing was appended.
 */
export class UnexpectedAppendOffsetError extends InvalidRecordError {
  override readonly name: string = "UnexpectedAppendOffsetError";
  constructor(
    message: string,
    readonly firstOffset: number,
    readonly logEndOffset: number,
  ) {
    super(message);
  }
}

export function offsetOutOfRange(offset: number, logStartOffset: number, logEndOffset: number): KafkaError {
  return kafkaError("OFFSET_OUT_OF_RANGE", `offset ${offset} is outside the log range [${logStartOffset}, ${logEndOffset}]`);
}
