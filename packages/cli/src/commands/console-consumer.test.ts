import { describe, expect, it } from "vitest";
import { formatMessage, formatterOptions, startOffset } from "./console-consumer.js";

const message = { key: Buffer.from("k1"), value: Buffer.from("hello"), timestamp: "1700000000000", attributes: 0, offset: "42", headers: {} };

describe("console-consumer formatter (DefaultMessageFormatter)", () => {
  it("prints the value alone by default", () => {
    expect(formatMessage(3, message, formatterOptions({}))).toBe("hello\n");
  });

  it("prints timestamp, partition, offset, headers, key and value in Kafka's order, tab-separated", () => {
    const o = formatterOptions({ "print.timestamp": "true", "print.partition": "true", "print.offset": "true", "print.headers": "true", "print.key": "true" });
    expect(formatMessage(3, message, o)).toBe("CreateTime:1700000000000\tPartition:3\tOffset:42\tNO_HEADERS\tk1\thello\n");
    expect(formatMessage(3, { ...message, headers: { a: Buffer.from("1"), b: null } }, o)).toContain("\ta:1,b:null\t");
  });

  it("prints null.literal for a null key or value and honours key.separator", () => {
    const o = formatterOptions({ "print.key": "true", "key.separator": " => ", "null.literal": "NULL" });
    expect(formatMessage(0, { ...message, key: null, value: null }, o)).toBe("NULL => NULL\n");
  });

  it("refuses unknown formatter properties", () => {
    expect(() => formatterOptions({ "print.everything": "true" })).toThrow(/unknown --property print.everything/);
  });
});

describe("console-consumer start offset", () => {
  it("is latest by default, earliest with --from-beginning, or the --offset given with --partition", () => {
    expect(startOffset({})).toBe(-1);
    expect(startOffset({ fromBeginning: true })).toBe(-2);
    expect(startOffset({ partition: "0", offset: "17" })).toBe(17);
    expect(startOffset({ partition: "0", offset: "earliest" })).toBe(-2);
    expect(startOffset({ partition: "0", offset: "latest" })).toBe(-1);
  });

  it("refuses --offset without --partition, or with --from-beginning", () => {
    expect(() => startOffset({ offset: "1" })).toThrow(/--offset needs --partition/);
    expect(() => startOffset({ partition: "0", offset: "1", fromBeginning: true })).toThrow(/cannot be used together/);
  });
});
