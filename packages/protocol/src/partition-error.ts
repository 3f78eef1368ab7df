// Conversions between typed Kafka errors and the `replog.common.PartitionError` message
// (protos/replog/common.proto), as loaded with `loadProtos()` (camelCase fields). Every
// per-partition result on the wire goes through these two functions, so that a broker handler
// can return an error it caught and a client can rethrow the same typed error.
import { errorByCode, KafkaError, KAFKA_ERRORS } from "./kafka-errors.js";

/** The JS shape of `replog.common.PartitionError`. */
export interface PartitionErrorMessage {
  errorCode: number;
  errorName: string;
  errorMessage: string;
}

/** `NONE` (code 0): the per-partition result of a success. */
export const NO_PARTITION_ERROR: Readonly<PartitionErrorMessage> = Object.freeze({ errorCode: 0, errorName: "NONE", errorMessage: "" });

/**
 * The wire form of an error. A KafkaError keeps its code, name and message; anything else is an
 * UNKNOWN_SERVER_ERROR (-1) carrying its message, as a Kafka broker reports unexpected exceptions.
 */
export function toPartitionError(error: unknown): PartitionErrorMessage {
  if (error instanceof KafkaError) return { errorCode: error.code, errorName: error.type, errorMessage: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { errorCode: KAFKA_ERRORS.UNKNOWN_SERVER_ERROR!.code, errorName: "UNKNOWN_SERVER_ERROR", errorMessage: message };
}

/** The typed error for a per-partition result, or undefined for success (code 0). */
export function fromPartitionError(message: Pick<PartitionErrorMessage, "errorCode" | "errorMessage">): KafkaError | undefined {
  if (message.errorCode === 0) return undefined;
  return errorByCode(message.errorCode, message.errorMessage === "" ? undefined : message.errorMessage);
}
