import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { logIndex, term } from "@replog/common";
import { MetadataDelta } from "./metadata-delta.js";
import { MetadataImage, type MetadataProvenance } from "./metadata-image.js";
import { decodeRecord, encodeRecord } from "./record-codec.js";
import type { MetadataRecord } from "./records.js";
import { loadSnapshot, writeSnapshot } from "./snapshot.js";
import { arbitraryOps, recordsFromOps } from "./test-support/valid-records.js";

const at = (n: number): MetadataProvenance => ({ lastIndex: logIndex(n), lastTerm: term(1) });

function replayAll(base: MetadataImage, records: readonly MetadataRecord[], provenance: MetadataProvenance): MetadataImage {
  const delta = new MetadataDelta(base);
  for (const r of records) delta.replay(r);
  return delta.apply(provenance);
}

// Kafka MetadataImageTest: IMAGE1 + DELTA1 == IMAGE2, and load(write(image)) == image.
describe("metadata image, delta and snapshot", () => {
  it("load(write(image)) equals image, record for record and in its description", () => {
    fc.assert(
      fc.property(arbitraryOps, (ops) => {
        const records = recordsFromOps(ops);
        const image = replayAll(MetadataImage.EMPTY, records, at(records.length));
        const snapshot = writeSnapshot(image);
        const loaded = loadSnapshot(snapshot, image.provenance);
        expect(loaded).toEqual(image);
        expect(loaded.describe()).toBe(image.describe());
        expect(writeSnapshot(loaded)).toEqual(snapshot);
      }),
      { numRuns: 300 },
    );
  });

  it("replaying in two deltas gives the image of replaying in one", () => {
    fc.assert(
      fc.property(arbitraryOps, fc.nat(), (ops, cut) => {
        const records = recordsFromOps(ops);
        const split = records.length === 0 ? 0 : cut % (records.length + 1);
        const whole = replayAll(MetadataImage.EMPTY, records, at(records.length));
        const first = replayAll(MetadataImage.EMPTY, records.slice(0, split), at(split));
        const second = replayAll(first, records.slice(split), at(records.length));
        expect(second).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it("survives the codec: encoded and decoded records rebuild the same image", () => {
    fc.assert(
      fc.property(arbitraryOps, (ops) => {
        const records = recordsFromOps(ops);
        const decoded = records.map((r) => decodeRecord(encodeRecord(r)));
        expect(replayAll(MetadataImage.EMPTY, decoded, at(1))).toEqual(replayAll(MetadataImage.EMPTY, records, at(1)));
      }),
      { numRuns: 100 },
    );
  });

  it("never changes the base image", () => {
    fc.assert(
      fc.property(arbitraryOps, arbitraryOps, (ops1, ops2) => {
        const records = recordsFromOps([...ops1, ...ops2]);
        const split = recordsFromOps(ops1).length;
        const base = replayAll(MetadataImage.EMPTY, records.slice(0, split), at(split));
        const before = base.describe();
        replayAll(base, records.slice(split), at(records.length));
        expect(base.describe()).toBe(before);
      }),
      { numRuns: 100 },
    );
  });
});
