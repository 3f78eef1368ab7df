import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batchesIn, computeBatchCrc, readBatchHeader, validateBatch } from "./batch-header.js";
import { CorruptRecordError } from "./kafka-errors.js";
import { encodeRecordBatch, type RecordBatchInput } from "./record-batch-builder.js";
import { decodeRecords } from "./record-batch-decoder.js";
import { BATCH_HEADER_SIZE, CRC_OFFSET, LENGTH_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, PARTITION_LEADER_EPOCH_OFFSET } from "./record-batch-layout.js";
import { arbitraryBatchInput } from "./test-support/arbitraries.js";

// fast-check prints the seed and the shrunk counterexample of any failure; pin it with `{ seed }`.

function expectedRecords(input: RecordBatchInput) {
  const maxTimestamp = Math.max(...input.records.map((r) => r.timestamp!));
  return input.records.map((r, i) => ({
    offset: input.baseOffset! + i,
    timestamp: input.timestampType === "LogAppendTime" ? maxTimestamp : r.timestamp,
    key: r.key ?? null,
    value: r.value,
    headers: r.headers ?? [],
  }));
}

/** Runs fn and returns what it threw (undefined if it returned). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("RecordBatch v2 round trip", () => {
  it("decodeRecords(encodeRecordBatch(b)) gives back every record and header field", () => {
    fc.assert(
      fc.property(arbitraryBatchInput, (input) => {
        const buf = encodeRecordBatch(input);
        const header = validateBatch(buf);
        expect(header).toMatchObject({
          baseOffset: input.baseOffset,
          sizeInBytes: buf.length,
          partitionLeaderEpoch: input.partitionLeaderEpoch,
          compression: input.compression,
          timestampType: input.timestampType,
          isTransactional: input.isTransactional,
          isControl: input.isControl,
          lastOffsetDelta: input.records.length - 1,
          producerId: input.producerId,
          producerEpoch: input.producerEpoch,
          baseSequence: input.baseSequence,
          recordCount: input.records.length,
          baseTimestamp: input.records[0]!.timestamp,
          maxTimestamp: Math.max(...input.records.map((r) => r.timestamp!)),
        });
        expect(decodeRecords(buf)).toEqual(expectedRecords(input));
      }),
      { numRuns: 300 },
    );
  });
});

describe("one flipped bit", () => {
  // What is detected, and how (see batch-header.ts): the CRC-32C covers attributes .. end, and a
  // CRC detects every single-bit error; length and magic are checked structurally; baseOffset and
  // partitionLeaderEpoch are outside the CRC by Kafka's design.
  it("gives a CorruptRecordError, or (outside the CRC) a batch with another offset or epoch", () => {
    fc.assert(
      fc.property(arbitraryBatchInput, fc.nat(), (input, bitSeed) => {
        const original = encodeRecordBatch(input);
        const buf = Buffer.from(original);
        const bit = bitSeed % (buf.length * 8);
        const byte = bit >> 3;
        buf[byte]! ^= 1 << (bit & 7);
        const error = thrownBy(() => decodeRecords(buf));
        if (byte < LENGTH_OFFSET) {
          // baseOffset: a different offset, or a typed error when it became negative or > 2^53.
          if (error !== undefined) {
            expect(error).toBeInstanceOf(CorruptRecordError);
          } else {
            expect(validateBatch(buf).baseOffset).not.toBe(input.baseOffset);
            expect(decodeRecords(buf).map((r) => r.value)).toEqual(input.records.map((r) => r.value));
          }
        } else if (byte >= PARTITION_LEADER_EPOCH_OFFSET && byte < MAGIC_OFFSET) {
          expect(error).toBeUndefined();
          expect(validateBatch(buf).partitionLeaderEpoch).not.toBe(input.partitionLeaderEpoch);
        } else {
          // Length, magic, CRC field, or anything the CRC covers.
          expect(error).toBeInstanceOf(CorruptRecordError);
          expect(thrownBy(() => validateBatch(buf))).toBeInstanceOf(CorruptRecordError);
          if (byte < CRC_OFFSET) expect(thrownBy(() => readBatchHeader(buf))).toSatisfy((e) => e === undefined || e instanceof CorruptRecordError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("truncation", () => {
  it("at every length is 'incomplete' for batchesIn and a CorruptRecordError for the readers", () => {
    fc.assert(
      fc.property(fc.array(arbitraryBatchInput, { minLength: 1, maxLength: 3 }), fc.nat(), (inputs, cutSeed) => {
        const batches = inputs.map((input) => encodeRecordBatch(input));
        const log = Buffer.concat(batches);
        const cut = cutSeed % log.length;
        const torn = log.subarray(0, cut);
        // batchesIn yields exactly the batches that end at or before the cut.
        let complete = 0;
        for (let end = 0, i = 0; i < batches.length; i++) {
          end += batches[i]!.length;
          if (end <= cut) complete++;
        }
        expect([...batchesIn(torn)].map(({ header }) => header.recordCount)).toEqual(inputs.slice(0, complete).map((b) => b.records.length));
        // The first incomplete batch, read on its own, is a typed error.
        const start = batches.slice(0, complete).reduce((n, b) => n + b.length, 0);
        expect(thrownBy(() => readBatchHeader(torn, start))).toBeInstanceOf(CorruptRecordError);
        expect(thrownBy(() => decodeRecords(torn, start))).toBeInstanceOf(CorruptRecordError);
      }),
      { numRuns: 300 },
    );
  });

  it("is checked at every single length of one batch", () => {
    const buf = encodeRecordBatch({
      baseTimestamp: 1,
      records: [
        { key: Buffer.from("k"), value: Buffer.from("v"), headers: [{ key: "h", value: Buffer.from("x") }], timestamp: 1 },
        { key: null, value: Buffer.alloc(50, 7), timestamp: 2 },
      ],
    });
    for (let length = 0; length < buf.length; length++) {
      const torn = buf.subarray(0, length);
      expect([...batchesIn(torn)]).toEqual([]);
      expect(thrownBy(() => decodeRecords(torn))).toBeInstanceOf(CorruptRecordError);
    }
  });
});

describe("records section with a valid CRC but damaged contents", () => {
  // A producer bug (not a disk error) can put malformed records under a correct CRC. The record
  // parser must then still answer with a typed error, never throw something else or loop.
  it("decodes or throws CorruptRecordError", () => {
    fc.assert(
      fc.property(arbitraryBatchInput, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (input, damage) => {
        const buf = Buffer.from(encodeRecordBatch({ ...input, compression: "none" }));
        const region = buf.length - BATCH_HEADER_SIZE;
        for (const [at, flip] of damage) buf[BATCH_HEADER_SIZE + (at % region)]! ^= flip;
        buf.writeUInt32BE(computeBatchCrc(buf, 0, buf.readInt32BE(LENGTH_OFFSET) + LOG_OVERHEAD), CRC_OFFSET);
        const error = thrownBy(() => decodeRecords(buf));
        if (error !== undefined) expect(error).toBeInstanceOf(CorruptRecordError);
      }),
      { numRuns: 1000 },
    );
  });
});
