import { describe, expect, it } from "vitest";
import { setMaxTimestamp, validateBatch } from "./batch-header.js";
import { isCompressionSupported } from "./compression.js";
import { CorruptRecordError, UnsupportedCompressionTypeError } from "./kafka-errors.js";
import { encodeRecordBatch, RecordBatchBuilder } from "./record-batch-builder.js";
import { decodeRecords, recordsIn } from "./record-batch-decoder.js";
import { BATCH_HEADER_SIZE } from "./record-batch-layout.js";

describe("encodeRecordBatch / decodeRecords", () => {
  it("round-trips keys, values, nulls, headers and timestamps", () => {
    const buf = encodeRecordBatch({
      baseOffset: 100,
      partitionLeaderEpoch: 7,
      baseTimestamp: 1000,
      records: [
        { key: Buffer.from("a"), value: Buffer.from("hello"), timestamp: 1000 },
        { key: null, value: null, timestamp: 900 },
        { value: Buffer.alloc(0), headers: [{ key: "trace-id", value: Buffer.from("x1") }, { key: "ü", value: null }], timestamp: 5000 },
      ],
    });
    const h = validateBatch(buf);
    expect(h).toMatchObject({ baseOffset: 100, partitionLeaderEpoch: 7, baseTimestamp: 1000, maxTimestamp: 5000, recordCount: 3 });
    const records = decodeRecords(buf);
    expect(records).toEqual([
      { offset: 100, timestamp: 1000, key: Buffer.from("a"), value: Buffer.from("hello"), headers: [] },
      { offset: 101, timestamp: 900, key: null, value: null, headers: [] },
      {
        offset: 102,
        timestamp: 5000,
        key: null,
        value: Buffer.alloc(0),
        headers: [
          { key: "trace-id", value: Buffer.from("x1") },
          { key: "ü", value: null },
        ],
      },
    ]);
    expect([...recordsIn(buf)]).toEqual(records);
  });

  it("writes the exact bytes of a known batch", () => {
    // One record, key null, value "v", timestamp = base: header (61) + record (8 bytes).
    const buf = encodeRecordBatch({ baseTimestamp: 0, records: [{ value: Buffer.from("v"), timestamp: 0 }] });
    expect(buf.length).toBe(BATCH_HEADER_SIZE + 8);
    // length=7, attributes=0, tsDelta=0, offsetDelta=0, keyLen=-1 (0x01), valueLen=1 (0x02), 'v', headers=0
    expect([...buf.subarray(BATCH_HEADER_SIZE)]).toEqual([0x0e, 0, 0, 0, 0x01, 0x02, 0x76, 0]);
  });

  it("sets the transactional, control and timestamp-type bits", () => {
    const buf = encodeRecordBatch({
      isTransactional: true,
      isControl: true,
      timestampType: "LogAppendTime",
      producerId: 9n,
      records: [{ value: Buffer.from("x"), timestamp: 5 }],
    });
    expect(validateBatch(buf)).toMatchObject({ isTransactional: true, isControl: true, timestampType: "LogAppendTime", attributes: 0x38 });
  });

  it("refuses an empty batch", () => {
    expect(() => encodeRecordBatch({ records: [] })).toThrow(RangeError);
  });

  it("round-trips gzip", () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(100, i), timestamp: 1 + i }));
    const buf = encodeRecordBatch({ compression: "gzip", records });
    const h = validateBatch(buf);
    expect(h.compression).toBe("gzip");
    expect(buf.length).toBeLessThan(50 * 100);
    expect(decodeRecords(buf).map((r) => r.value)).toEqual(records.map((r) => r.value));
  });

  it("reports snappy as unsupported with Kafka's typed error (code 76)", () => {
    expect(isCompressionSupported("snappy")).toBe(false);
    const err = (() => {
      try {
        encodeRecordBatch({ compression: "snappy", records: [{ value: Buffer.from("x") }] });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnsupportedCompressionTypeError);
    expect((err as UnsupportedCompressionTypeError).code).toBe(76);
  });

  it("refuses a gzip batch whose compressed data is malformed, as corrupt", () => {
    const good = encodeRecordBatch({ compression: "gzip", baseTimestamp: 0, records: [{ value: Buffer.from("x"), timestamp: 0 }] });
    // Rebuild a batch with garbage as its "compressed" section and a valid CRC.
    const bad = Buffer.from(good);
    bad.fill(0x55, BATCH_HEADER_SIZE);
    setMaxTimestamp(bad, 0, "CreateTime", 0); // Recomputes the CRC over the garbage.
    expect(() => decodeRecords(bad)).toThrow(CorruptRecordError);
  });
});

describe("RecordBatchBuilder", () => {
  it("grows by doubling and matches encodeRecordBatch byte for byte", () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.alloc(100, i), timestamp: 10_000 + i }));
    const builder = new RecordBatchBuilder({ baseOffset: 5, initialCapacity: 128 });
    for (const r of records) builder.append(r.key, r.value, undefined, r.timestamp);
    expect(builder.recordCount).toBe(300);
    const built = builder.build();
    expect(built.equals(encodeRecordBatch({ baseOffset: 5, records }))).toBe(true);
  });

  it("predicts the size after an append", () => {
    const builder = new RecordBatchBuilder({ baseTimestamp: 1 });
    const predicted = builder.estimateSizeAfter(Buffer.from("k"), Buffer.from("value"), [{ key: "h", value: Buffer.from("1") }], 3);
    builder.append(Buffer.from("k"), Buffer.from("value"), [{ key: "h", value: Buffer.from("1") }], 3);
    expect(builder.sizeInBytes).toBe(predicted);
    expect(builder.build().length).toBe(predicted);
  });

  it("cannot be appended to or built after build()", () => {
    const builder = new RecordBatchBuilder();
    builder.append(null, Buffer.from("x"), undefined, 1);
    builder.build();
    expect(() => builder.build()).toThrow();
    expect(() => builder.append(null, Buffer.from("y"))).toThrow();
  });

  it("stamps records without a timestamp with the default one", () => {
    const builder = new RecordBatchBuilder({ defaultTimestamp: 77 });
    builder.append(null, Buffer.from("x"));
    expect(decodeRecords(builder.build())[0]!.timestamp).toBe(77);
  });
});
