import { describe, expect, it } from "vitest";
import {
  CorruptRecordError,
  errorByCode,
  errorNameByCode,
  InvalidRecordError,
  isRetriable,
  KAFKA_ERRORS,
  KafkaError,
  kafkaError,
  RecordTooLargeError,
  UnsupportedCompressionTypeError,
} from "./kafka-errors.js";

describe("KAFKA_ERRORS", () => {
  it.each([
    ["NONE", 0, false],
    ["OFFSET_OUT_OF_RANGE", 1, false],
    ["CORRUPT_MESSAGE", 2, true],
    ["UNKNOWN_TOPIC_OR_PARTITION", 3, true],
    ["LEADER_NOT_AVAILABLE", 5, true],
    ["NOT_LEADER_OR_FOLLOWER", 6, true],
    ["REQUEST_TIMED_OUT", 7, true],
    ["MESSAGE_TOO_LARGE", 10, false],
    ["NOT_ENOUGH_REPLICAS", 19, true],
    ["NOT_ENOUGH_REPLICAS_AFTER_APPEND", 20, true],
    ["ILLEGAL_GENERATION", 22, false],
    ["UNKNOWN_MEMBER_ID", 25, false],
    ["REBALANCE_IN_PROGRESS", 27, false],
    ["TOPIC_ALREADY_EXISTS", 36, false],
    ["INVALID_REPLICATION_FACTOR", 38, false],
    ["NOT_CONTROLLER", 41, true],
    ["OUT_OF_ORDER_SEQUENCE_NUMBER", 45, false],
    ["DUPLICATE_SEQUENCE_NUMBER", 46, false],
    ["INVALID_PRODUCER_EPOCH", 47, false],
    ["KAFKA_STORAGE_ERROR", 56, true],
    ["FENCED_LEADER_EPOCH", 74, true],
    ["UNKNOWN_LEADER_EPOCH", 75, true],
    ["UNSUPPORTED_COMPRESSION_TYPE", 76, false],
    ["STALE_BROKER_EPOCH", 77, false],
    ["PREFERRED_LEADER_NOT_AVAILABLE", 80, true],
    ["ELIGIBLE_LEADERS_NOT_AVAILABLE", 83, true],
    ["ELECTION_NOT_NEEDED", 84, true],
    ["INVALID_RECORD", 87, false],
    ["DUPLICATE_BROKER_REGISTRATION", 101, false],
    ["INELIGIBLE_REPLICA", 107, false],
    ["NEW_LEADER_ELECTED", 108, false],
  ])("%s is code %i, retriable %s", (name, code, retriable) => {
    expect(KAFKA_ERRORS[name]).toMatchObject({ code, retriable });
    expect(errorNameByCode(code)).toBe(name);
  });

  it("has unique codes, contiguous from -1, each with a one-line meaning", () => {
    const codes = Object.values(KAFKA_ERRORS).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    const sorted = [...codes].sort((a, b) => a - b);
    expect(sorted).toEqual(Array.from({ length: sorted.length }, (_, i) => i - 1));
    for (const info of Object.values(KAFKA_ERRORS)) expect(info.message).toMatch(/^\S.*\S$/);
  });
});

describe("typed errors", () => {
  it("carry type, code and retriable", () => {
    const e = kafkaError("NOT_LEADER_OR_FOLLOWER", "broker 2 is not the leader of t-0");
    expect(e).toBeInstanceOf(KafkaError);
    expect(e).toMatchObject({ type: "NOT_LEADER_OR_FOLLOWER", code: 6, retriable: true, message: "broker 2 is not the leader of t-0" });
    expect(isRetriable(e)).toBe(true);
    expect(isRetriable(new Error("x"))).toBe(false);
  });

  it("map the named codes to their subclasses", () => {
    expect(errorByCode(2)).toBeInstanceOf(CorruptRecordError);
    expect(errorByCode(10)).toBeInstanceOf(RecordTooLargeError);
    expect(errorByCode(87)).toBeInstanceOf(InvalidRecordError);
    expect(errorByCode(76)).toBeInstanceOf(UnsupportedCompressionTypeError);
    expect(new CorruptRecordError("bad crc")).toMatchObject({ type: "CORRUPT_MESSAGE", code: 2, retriable: true });
  });

  it("use the table's meaning as the default message", () => {
    expect(errorByCode(19).message).toBe(KAFKA_ERRORS.NOT_ENOUGH_REPLICAS!.message);
  });

  it("map an unknown code to UNKNOWN_SERVER_ERROR, naming the code", () => {
    const e = errorByCode(9999);
    expect(e.type).toBe("UNKNOWN_SERVER_ERROR");
    expect(e.message).toContain("9999");
  });

  it("refuse an unknown name", () => {
    expect(() => kafkaError("NO_SUCH_ERROR")).toThrow(TypeError);
  });
});
