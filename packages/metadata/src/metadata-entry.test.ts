import { describe, expect, it } from "vitest";
import { brokerEpoch, nodeId } from "@replog/common";
import { decodeMetadataEntry, encodeMetadataEntry } from "./metadata-entry.js";
import { MetadataRecordDecodeError } from "./record-codec.js";
import { incarnationId, topicId, type MetadataRecord } from "./records.js";

describe("metadata entry (the records of one operation, committed together)", () => {
  it("round-trips a list of records in order, including an empty list", () => {
    const records: MetadataRecord[] = [
      { type: "TopicRecord", name: "orders", topicId: topicId("AAAAAAAAAAAAAAAAAAAAAQ") },
      { type: "NoOpRecord" },
      {
        type: "RegisterBrokerRecord",
        brokerId: nodeId(4),
        incarnationId: incarnationId("AAAAAAAAAAAAAAAAAAAAAg"),
        brokerEpoch: brokerEpoch(17n),
        endpoints: [{ name: "PLAINTEXT", host: "127.0.0.14", port: 9092 }],
        rack: null,
        fenced: true,
        inControlledShutdown: false,
      },
    ];
    expect(decodeMetadataEntry(encodeMetadataEntry(records))).toEqual(records);
    expect(decodeMetadataEntry(encodeMetadataEntry([]))).toEqual([]);
  });

  it("refuses a truncated entry with a typed error, never a partial list", () => {
    const bytes = encodeMetadataEntry([{ type: "TopicRecord", name: "orders", topicId: topicId("AAAAAAAAAAAAAAAAAAAAAQ") }]);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(() => decodeMetadataEntry(bytes.subarray(0, cut))).toThrow(MetadataRecordDecodeError);
    }
  });
});
