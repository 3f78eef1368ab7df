// Kafka-named operating errors that the controller's managers return as values (never throw).
// Names and codes follow Kafka's Errors.java; `controller-errors.test.ts` checks them against the
// table in @replog/protocol. The core keeps its own small table because @replog/protocol's entry
// point also loads gRPC and zlib, which a pure core must not pull in.

export const CONTROLLER_ERROR_CODES = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  NOT_LEADER_OR_FOLLOWER: 6,
  INVALID_TOPIC_EXCEPTION: 17,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  FENCED_LEADER_EPOCH: 74,
  STALE_BROKER_EPOCH: 77,
  PREFERRED_LEADER_NOT_AVAILABLE: 80,
  ELIGIBLE_LEADERS_NOT_AVAILABLE: 83,
  ELECTION_NOT_NEEDED: 84,
  INVALID_UPDATE_VERSION: 95,
  UNKNOWN_TOPIC_ID: 100,
  DUPLICATE_BROKER_REGISTRATION: 101,
  BROKER_ID_NOT_REGISTERED: 102,
  INCONSISTENT_CLUSTER_ID: 104,
  INELIGIBLE_REPLICA: 107,
} as const;

export type ControllerErrorName = Exclude<keyof typeof CONTROLLER_ERROR_CODES, "NONE">;

/** An operating error: Kafka's name and code, and a message that says what was wrong. */
export interface ApiError {
  readonly error: ControllerErrorName;
  readonly code: number;
  readonly message: string;
}

export function apiError(error: ControllerErrorName, message: string): ApiError {
  return { error, code: CONTROLLER_ERROR_CODES[error], message };
}
