import { describe, expect, it } from "vitest";
import {
  batchesIn,
  batchSizeAt,
  readBatchHeader,
  setBaseOffset,
  setMaxTimestampAndLogAppendTime,
  setPartitionLeaderEpoch,
  validateBatch,
} from "./batch-header.js";
import { CorruptRecordError } from "./kafka-errors.js";
import { encodeRecordBatch } from "./record-batch-builder.js";
import { decodeRecords } from "./record-batch-decoder.js";
import {
  ATTRIBUTES_OFFSET,
  BATCH_HEADER_SIZE,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LENGTH_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  RECORDS_COUNT_OFFSET,
} from "./record-batch-layout.js";

function sampleBatch(records = 3, baseTimestamp = 1_700_000_000_000): Buffer {
  return encodeRecordBatch({
    baseOffset: 0,
    producerId: 4242n,
    producerEpoch: 3,
    baseSequence: 17,
    baseTimestamp,
    records: Array.from({ length: records }, (_, i) => ({
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`value-${i}`),
      timestamp: baseTimestamp + i * 10,
    })),
  });
}

function expectCorrupt(fn: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(CorruptRecordError);
  expect((thrown as CorruptRecordError).code).toBe(2);
  expect((thrown as Error).message).toMatch(message);
}

describe("readBatchHeader", () => {
  it("reads every field of a batch", () => {
    const buf = sampleBatch();
    const h = validateBatch(buf);
    expect(h).toMatchObject({
      baseOffset: 0,
      batchLength: buf.length - LOG_OVERHEAD,
      sizeInBytes: buf.length,
      partitionLeaderEpoch: -1,
      magic: 2,
      attributes: 0,
      compression: "none",
      timestampType: "CreateTime",
      isTransactional: false,
      isControl: false,
      lastOffsetDelta: 2,
      lastOffset: 2,
      baseTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_020,
      producerId: 4242n,
      producerEpoch: 3,
      baseSequence: 17,
      recordCount: 3,
    });
    expect(h.crc).toBe(buf.readUInt32BE(CRC_OFFSET));
  });

  it("reads a batch at a position inside a larger buffer", () => {
    const one = sampleBatch(1);
    const two = sampleBatch(2);
    const buf = Buffer.concat([one, two]);
    expect(validateBatch(buf, one.length).recordCount).toBe(2);
  });

  it("refuses a wrong magic", () => {
    const buf = sampleBatch();
    buf[MAGIC_OFFSET] = 1;
    expectCorrupt(() => readBatchHeader(buf), /magic 1/);
  });

  it("refuses a negative length", () => {
    const buf = sampleBatch();
    buf.writeInt32BE(-5, LENGTH_OFFSET);
    expectCorrupt(() => readBatchHeader(buf), /length -5/);
  });

  it("refuses a length below the header size", () => {
    const buf = sampleBatch();
    buf.writeInt32BE(10, LENGTH_OFFSET);
    expectCorrupt(() => readBatchHeader(buf), /below the minimum 49/);
  });

  it("refuses a length that overflows the buffer", () => {
    const buf = sampleBatch();
    buf.writeInt32BE(0x7fffffff, LENGTH_OFFSET);
    expectCorrupt(() => readBatchHeader(buf), /truncated/);
  });

  it("refuses a short buffer", () => {
    expectCorrupt(() => readBatchHeader(sampleBatch().subarray(0, 30)), /truncated/);
    expectCorrupt(() => readBatchHeader(Buffer.alloc(5)), /truncated/);
  });

  it("refuses a negative record count", () => {
    const buf = sampleBatch();
    buf.writeInt32BE(-1, RECORDS_COUNT_OFFSET);
    expectCorrupt(() => readBatchHeader(buf), /negative record count/);
  });

  it("refuses compression codes 5-7", () => {
    const buf = sampleBatch();
    buf.writeInt16BE(5, ATTRIBUTES_OFFSET);
    expectCorrupt(() => readBatchHeader(buf), /compression codec 5/);
  });
});

describe("validateBatch", () => {
  it("detects a changed byte in the CRC-covered region", () => {
    const buf = sampleBatch();
    buf[buf.length - 1]! ^= 0x01;
    expectCorrupt(() => validateBatch(buf), /CRC-32C/);
  });

  it("detects a changed CRC field", () => {
    const buf = sampleBatch();
    buf[CRC_OFFSET]! ^= 0x80;
    expectCorrupt(() => validateBatch(buf), /CRC-32C/);
  });

  it("detects more records than the offset span allows, even with a valid CRC", () => {
    const buf = sampleBatch();
    buf.writeInt32BE(0, LAST_OFFSET_DELTA_OFFSET);
    setMaxTimestampAndLogAppendTime(buf, 0, 1); // Recomputes the CRC over the tampered header.
    expectCorrupt(() => validateBatch(buf), /spans only 1 offsets/);
  });
});

describe("in-place patches", () => {
  it("set the base offset and leader epoch without invalidating the CRC", () => {
    const buf = sampleBatch();
    setBaseOffset(buf, 0, 2 ** 40 + 7);
    setPartitionLeaderEpoch(buf, 0, 12);
    const h = validateBatch(buf);
    expect(h).toMatchObject({ baseOffset: 2 ** 40 + 7, lastOffset: 2 ** 40 + 9, partitionLeaderEpoch: 12 });
    expect(decodeRecords(buf).map((r) => r.offset)).toEqual([2 ** 40 + 7, 2 ** 40 + 8, 2 ** 40 + 9]);
  });

  it("stamp LogAppendTime, recompute the CRC, and give every record that timestamp", () => {
    const buf = sampleBatch();
    setMaxTimestampAndLogAppendTime(buf, 0, 1_800_000_000_000);
    const h = validateBatch(buf);
    expect(h).toMatchObject({ timestampType: "LogAppendTime", maxTimestamp: 1_800_000_000_000 });
    expect(decodeRecords(buf).map((r) => r.timestamp)).toEqual([1_800_000_000_000, 1_800_000_000_000, 1_800_000_000_000]);
  });
});

describe("batchesIn", () => {
  const batches = [sampleBatch(1), sampleBatch(2), sampleBatch(3)];
  const log = Buffer.concat(batches);

  it("walks concatenated batches", () => {
    const seen = [...batchesIn(log)].map(({ pos, header }) => [pos, header.recordCount]);
    expect(seen).toEqual([
      [0, 1],
      [batches[0]!.length, 2],
      [batches[0]!.length + batches[1]!.length, 3],
    ]);
  });

  it("stops quietly at an incomplete trailing batch", () => {
    for (const cut of [1, 11, 12, 16, 17, 40, BATCH_HEADER_SIZE, batches[2]!.length - 1]) {
      const torn = log.subarray(0, log.length - batches[2]!.length + cut);
      expect([...batchesIn(torn)].length).toBe(2);
      expect(batchSizeAt(torn, batches[0]!.length + batches[1]!.length)).toBe("incomplete");
    }
  });

  it("throws, rather than stopping, at a length beyond the largest allowed batch", () => {
    const bad = Buffer.from(log);
    bad.writeInt32BE(1_000_000, batches[0]!.length + LENGTH_OFFSET);
    expect([...batchesIn(bad)].length).toBe(1); // Without a bound it looks like a torn tail.
    const walk = batchesIn(bad, 0, 64 * 1024);
    walk.next();
    expectCorrupt(() => walk.next(), /more than the largest allowed 65536/);
  });

  it("throws at a structurally corrupt batch", () => {
    const bad = Buffer.from(log);
    bad[batches[0]!.length + MAGIC_OFFSET] = 0;
    const walk = batchesIn(bad);
    expect(walk.next().value).toMatchObject({ pos: 0 });
    expectCorrupt(() => walk.next(), /magic 0/);
  });
});
