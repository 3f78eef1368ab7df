import { describe, expect, it } from "vitest";
import { resolveProducerConfig } from "@replog/client";
import { acksOption, lineToMessage, producerSettings, readerOptions } from "./console-producer.js";

describe("console-producer line reader", () => {
  it("sends the whole line as the value by default", () => {
    expect(lineToMessage("a\tb", readerOptions({}))).toEqual({ value: "a\tb" });
  });

  it("splits key and value at key.separator with parse.key=true, and refuses a line without it", () => {
    const o = readerOptions({ "parse.key": "true", "key.separator": ":" });
    expect(lineToMessage("user-1:clicked:twice", o)).toEqual({ key: "user-1", value: "clicked:twice" });
    expect(() => lineToMessage("no separator", o)).toThrow(/No key separator found on line: no separator/);
  });

  it("reads null.marker as null", () => {
    const o = readerOptions({ "parse.key": "true", "null.marker": "<null>" });
    expect(lineToMessage("k\t<null>", o)).toEqual({ key: "k", value: null });
  });

  it("refuses unknown reader properties", () => {
    expect(() => readerOptions({ "parse.header": "true" })).toThrow(/unknown --property parse.header /);
  });

  it("reads headers with parse.headers=true, as Kafka 3.2's LineMessageReader", () => {
    const o = readerOptions({ "parse.headers": "true", "parse.key": "true", "null.marker": "<null>" });
    expect(lineToMessage("trace:abc,tenant:<null>\tuser-1\tclicked", o)).toEqual({ headers: { trace: "abc", tenant: null }, key: "user-1", value: "clicked" });
    expect(lineToMessage("\tk\tv", o)).toEqual({ headers: {}, key: "k", value: "v" });
    expect(lineToMessage("h:1|v", readerOptions({ "parse.headers": "true", "headers.delimiter": "|" }))).toEqual({ headers: { h: "1" }, value: "v" });
    expect(() => lineToMessage("no headers here", o, 7)).toThrow("No headers delimiter found on line number 7: 'no headers here'");
    expect(() => lineToMessage("broken\tk\tv", o, 2)).toThrow("No header key separator found in pair 'broken' on line number 2");
    expect(() => lineToMessage("<null>:x\tk\tv", o)).toThrow(/should not be equal to the null marker/);
  });

  it("maps --request-required-acks all|-1|1|0", () => {
    expect([acksOption("all"), acksOption("-1"), acksOption("1"), acksOption("0")]).toEqual([-1, -1, 1, 0]);
    expect(() => acksOption("2")).toThrow(/must be all, -1, 0 or 1/);
  });

  it("is idempotent by default with acks all, as Kafka 3's producer, unless acks or enable.idempotence say otherwise", () => {
    const flags = (requestRequiredAcks: string, producerProperty: string[] = []) => resolveProducerConfig(producerSettings({ requestRequiredAcks, producerProperty }));
    expect(flags("all").idempotent).toBe(true);
    expect(flags("1").idempotent).toBe(false);
    expect(flags("all", ["enable.idempotence=false"]).idempotent).toBe(false);
    expect(flags("all", ["acks=1"]).idempotent).toBe(false);
  });
});
