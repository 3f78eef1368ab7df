import { describe, expect, it } from "vitest";
import { setMaxTimestamp } from "./batch-header.js";
import { CorruptRecordError, InvalidRecordError, RecordTooLargeError } from "./kafka-errors.js";
import { validateProducedBatch } from "./produced-batch.js";
import { encodeRecordBatch, type RecordBatchInput } from "./record-batch-builder.js";
import { CRC_OFFSET, RECORDS_COUNT_OFFSET } from "./record-batch-layout.js";

const limits = { maxMessageBytes: 1024 * 1024 };
const records = [
  { value: Buffer.from("a"), timestamp: 1 },
  { value: Buffer.from("b"), timestamp: 2 },
];
const batch = (extra: Partial<RecordBatchInput> = {}) => encodeRecordBatch({ records, ...extra });

/** Rewrites the CRC after tampering with the header, so that only the rule under test fails. */
function resealed(buf: Buffer): Buffer {
  setMaxTimestamp(buf, 0, "CreateTime", 2);
  return buf;
}

describe("validateProducedBatch", () => {
  it("accepts a plain and an idempotent batch", () => {
    expect(validateProducedBatch(batch(), 0, limits).recordCount).toBe(2);
    expect(validateProducedBatch(batch({ producerId: 5n, producerEpoch: 0, baseSequence: 0 }), 0, limits).producerId).toBe(5n);
  });

  it("refuses a batch above max.message.bytes (MESSAGE_TOO_LARGE, 10)", () => {
    expect(() => validateProducedBatch(batch(), 0, { maxMessageBytes: 50 })).toThrow(RecordTooLargeError);
  });

  it("refuses a CRC failure (CORRUPT_MESSAGE, 2)", () => {
    const buf = batch();
    buf[CRC_OFFSET]! ^= 1;
    expect(() => validateProducedBatch(buf, 0, limits)).toThrow(CorruptRecordError);
  });

  it.each([
    ["a control batch", () => batch({ isControl: true }), /control records/],
    ["a producer id without a sequence", () => batch({ producerId: 3n, baseSequence: -1 }), /sequence number/],
    ["a transactional batch without a producer id", () => batch({ isTransactional: true }), /without a producer id/],
    [
      "a record count below the offset span",
      () => {
        const buf = batch();
        buf.writeInt32BE(1, RECORDS_COUNT_OFFSET);
        return resealed(buf);
      },
      /record count/,
    ],
  ])("refuses %s (INVALID_RECORD, 87)", (_label, make, message) => {
    const thrown = (() => {
      try {
        validateProducedBatch(make(), 0, limits);
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(InvalidRecordError);
    expect((thrown as InvalidRecordError).code).toBe(87);
    expect((thrown as Error).message).toMatch(message);
  });
});
