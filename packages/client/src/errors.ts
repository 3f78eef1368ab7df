// The client's errors: a small class tree in KafkaJS's shape (`KafkaJSError` → `.retriable`,
// `KafkaJSProtocolError` → `.type` and `.code`). Every error carries a Kafka error name as `type`
// and its wire `code`, so a caller matches `NOT_ENOUGH_REPLICAS` (19) the way it would with any
// Kafka client, and `retriable` says whether the same request may succeed later.
import { errorNameByCode, KAFKA_ERRORS, KafkaError } from "@replog/protocol";

export interface ReplogErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

/** Base of every client error. `type` is a Kafka error name from the error table. */
export class ReplogError extends Error {
  override name = "ReplogError";
  readonly type: string;
  readonly code: number;
  readonly retriable: boolean;

  constructor(type: string, message: string, options: ReplogErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const info = KAFKA_ERRORS[type] ?? KAFKA_ERRORS.UNKNOWN_SERVER_ERROR!;
    this.type = KAFKA_ERRORS[type] ? type : "UNKNOWN_SERVER_ERROR";
    this.code = info.code;
    this.retriable = options.retriable ?? info.retriable;
  }
}

/** A per-partition or request-level error code from a broker (KafkaJS `KafkaJSProtocolError`). */
export class ReplogProtocolError extends ReplogError {
  override name = "ReplogProtocolError";
  constructor(code: number, message?: string, readonly topic?: string, readonly partition?: number) {
    const type = errorNameByCode(code) ?? "UNKNOWN_SERVER_ERROR";
    const text = message || KAFKA_ERRORS[type]!.message;
    const name = topic === undefined ? "" : partition === undefined ? topic : `${topic}-${partition}`;
    // Name the topic-partition unless the broker's message already does.
    super(type, name === "" || text.includes(name) ? text : `${text} (${name})`);
  }
}

/** A broker could not be reached, or its stream broke (Kafka NETWORK_EXCEPTION, retriable). */
export class ReplogConnectionError extends ReplogError {
  override name = "ReplogConnectionError";
  constructor(readonly broker: string, message: string, cause?: unknown) {
    super("NETWORK_EXCEPTION", `${broker}: ${message}`, { cause });
  }
}

/** No answer within `requestTimeout` (Kafka REQUEST_TIMED_OUT, retriable). */
export class ReplogRequestTimeoutError extends ReplogError {
  override name = "ReplogRequestTimeoutError";
  constructor(readonly broker: string, timeoutMs: number) {
    super("REQUEST_TIMED_OUT", `${broker}: no answer within ${timeoutMs} ms`);
  }
}

/** A fetch position outside the log, with auto.offset.reset=none (Kafka OFFSET_OUT_OF_RANGE). */
export class ReplogOffsetOutOfRange extends ReplogError {
  override name = "ReplogOffsetOutOfRange";
  constructor(readonly topic: string, readonly partition: number, readonly offset: number) {
    super("OFFSET_OUT_OF_RANGE", `offset ${offset} is out of range for ${topic}-${partition}`);
  }
}

/**
 * Retries ran out or the delivery timeout passed. Not retriable itself; `type` and `code` are the
 * last cause's, so a CLI can print the Kafka name that kept failing.
 */
export class ReplogRetriesExhausted extends ReplogError {
  override name = "ReplogRetriesExhausted";
  constructor(message: string, cause: unknown) {
    super(cause instanceof ReplogError ? cause.type : "REQUEST_TIMED_OUT", message, { retriable: false, cause });
  }
}

/** The client has no metadata (leader, broker address) for what was asked. */
export class ReplogMetadataError extends ReplogError {
  override name = "ReplogMetadataError";
  constructor(type: "UNKNOWN_TOPIC_OR_PARTITION" | "LEADER_NOT_AVAILABLE" | "BROKER_NOT_AVAILABLE", message: string) {
    super(type, message);
  }
}

/** A call on a producer, consumer or admin that is not connected or already disconnected. */
export class ReplogNotConnected extends ReplogError {
  override name = "ReplogNotConnected";
  constructor(what: string) {
    super("INVALID_REQUEST", `${what} is not connected`, { retriable: false });
  }
}

/** Errors after which a client refreshes its metadata before retrying (Kafka InvalidMetadataException and friends). */
const METADATA_REFRESH_TYPES = new Set([
  "NOT_LEADER_OR_FOLLOWER",
  "UNKNOWN_TOPIC_OR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "FENCED_LEADER_EPOCH",
  "UNKNOWN_LEADER_EPOCH",
  "KAFKA_STORAGE_ERROR",
  "NETWORK_EXCEPTION",
  "REQUEST_TIMED_OUT",
  "BROKER_NOT_AVAILABLE",
  "REPLICA_NOT_AVAILABLE",
]);

/** True when the error means our view of leaders may be stale. */
export function needsMetadataRefresh(error: unknown): boolean {
  return error instanceof ReplogError && METADATA_REFRESH_TYPES.has(error.type);
}

/** Any thrown value as a ReplogError (unknown errors are not retriable). */
export function asReplogError(error: unknown): ReplogError {
  if (error instanceof ReplogError) return error;
  // A protocol-level typed error (e.g. CORRUPT_MESSAGE from the batch decoder) keeps its Kafka name.
  if (error instanceof KafkaError) return new ReplogError(error.type, error.message, { retriable: error.retriable, cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new ReplogError("UNKNOWN_SERVER_ERROR", message, { retriable: false, cause: error });
}
