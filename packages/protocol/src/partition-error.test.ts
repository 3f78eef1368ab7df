import { describe, expect, it } from "vitest";
import { CorruptRecordError, kafkaError } from "./kafka-errors.js";
import { loadProtos } from "./load-protos.js";
import { fromPartitionError, NO_PARTITION_ERROR, toPartitionError } from "./partition-error.js";

describe("PartitionError conversions", () => {
  it("carry a typed error across the wire form and back", () => {
    const sent = kafkaError("NOT_ENOUGH_REPLICAS", "isr [1] below min.insync.replicas 2");
    const wire = toPartitionError(sent);
    expect(wire).toEqual({ errorCode: 19, errorName: "NOT_ENOUGH_REPLICAS", errorMessage: "isr [1] below min.insync.replicas 2" });
    const received = fromPartitionError(wire)!;
    expect(received).toMatchObject({ type: "NOT_ENOUGH_REPLICAS", code: 19, retriable: true, message: sent.message });
    expect(fromPartitionError(toPartitionError(new CorruptRecordError("crc")))).toBeInstanceOf(CorruptRecordError);
  });

  it("report success as NONE and read it back as no error", () => {
    expect(NO_PARTITION_ERROR).toEqual({ errorCode: 0, errorName: "NONE", errorMessage: "" });
    expect(fromPartitionError(NO_PARTITION_ERROR)).toBeUndefined();
  });

  it("report an unexpected exception as UNKNOWN_SERVER_ERROR", () => {
    expect(toPartitionError(new TypeError("boom"))).toEqual({ errorCode: -1, errorName: "UNKNOWN_SERVER_ERROR", errorMessage: "boom" });
  });

  it("match the field names of the loaded proto", () => {
    const fields = (loadProtos()["replog.common.PartitionError"] as { type: { field: Array<{ name: string }> } }).type.field.map((f) => f.name);
    expect(fields.sort()).toEqual(Object.keys(NO_PARTITION_ERROR).sort());
  });
});
