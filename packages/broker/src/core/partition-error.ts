// Error values of the partition core, by Kafka's names. The core stays free of classes and of
// @replog/protocol: it returns these names, and the shell maps them to the protocol's error table
// (`KAFKA_ERRORS[name]`) when it answers a request. The codes are listed here only so that tests
// and `describe*` output can show the number a Kafka user expects to see.

/** Errors the partition core can answer on the produce and fetch paths (Kafka `Errors`). */
export const PARTITION_ERROR_CODES = {
  OFFSET_OUT_OF_RANGE: 1,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
} as const;

export type PartitionError = keyof typeof PARTITION_ERROR_CODES;

/** `NONE` (code 0) or one of the partition errors. */
export type PartitionErrorOrNone = "NONE" | PartitionError;

export function partitionErrorCode(error: PartitionErrorOrNone): number {
  return error === "NONE" ? 0 : PARTITION_ERROR_CODES[error];
}

/**
 * Error names an AlterPartition response can carry (Kafka `Partition.handleAlterPartitionError`
 * branches on these). Any other name, including transport failures, means "retry".
 */
export type AlterPartitionError =
  | "OPERATION_NOT_ATTEMPTED"
  | "INELIGIBLE_REPLICA"
  | "UNKNOWN_TOPIC_OR_PARTITION"
  | "UNKNOWN_TOPIC_ID"
  | "FENCED_LEADER_EPOCH"
  | "INVALID_UPDATE_VERSION"
  | "INVALID_REQUEST"
  | "NEW_LEADER_ELECTED"
  | "NOT_CONTROLLER"
  | "STALE_BROKER_EPOCH"
  | "REQUEST_TIMED_OUT"
  | "NETWORK_EXCEPTION"
  | "UNKNOWN_SERVER_ERROR";
