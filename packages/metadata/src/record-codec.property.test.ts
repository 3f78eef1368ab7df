import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, MetadataRecordDecodeError } from "./record-codec.js";
import { describeRecord } from "./describe-record.js";
import { arbitraryRecord } from "./test-support/arbitraries.js";

// fast-check prints the seed and the shrunk counterexample of any failure; pin it with `{ seed }`.
describe("metadata record codec", () => {
  it("decode(encode(r)) equals r for every record", () => {
    fc.assert(
      fc.property(arbitraryRecord, (record) => {
        expect(decodeRecord(encodeRecord(record))).toEqual(record);
      }),
      { numRuns: 2000 },
    );
  });

  it("describes every record on one line", () => {
    fc.assert(
      fc.property(arbitraryRecord, (record) => {
        const text = describeRecord(record);
        expect(text).not.toContain("undefined");
        expect(text.startsWith(record.type.replace(/Record$/, ""))).toBe(true);
      }),
    );
  });

  it("turns damaged bytes into a record or a typed decode error, never another failure", () => {
    fc.assert(
      fc.property(arbitraryRecord, fc.nat(), fc.integer({ min: 1, max: 255 }), (record, at, flip) => {
        const bytes = Uint8Array.from(encodeRecord(record));
        const i = at % bytes.length;
        bytes[i] = bytes[i]! ^ flip;
        try {
          decodeRecord(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(MetadataRecordDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses bytes with no record set", () => {
    expect(() => decodeRecord(new Uint8Array())).toThrow(MetadataRecordDecodeError);
  });

  it("keeps 64-bit broker epochs and producer ids exact", () => {
    const record = {
      type: "ProducerIdsRecord" as const,
      brokerId: 1 as never,
      brokerEpoch: 9_007_199_254_740_993n as never,
      nextProducerId: (2n ** 63n - 1n) as never,
    };
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
  });
});
