// Compatibility with an independent implementation of RecordBatch v2: KafkaJS 2.2.4's own
// encoder and decoder (the ones its producer and consumer use on the wire to real Kafka).
import { describe, expect, it } from "vitest";
import { validateBatch } from "./batch-header.js";
import { encodeRecordBatch } from "./record-batch-builder.js";
import { decodeRecords } from "./record-batch-decoder.js";
import { KAFKAJS_GZIP, kafkajsDecodeBatch, kafkajsRecord, kafkajsRecordBatch } from "./test-support/kafkajs.js";

const BASE_TS = 1_700_000_000_000;
const sample = Array.from({ length: 25 }, (_, i) => ({
  key: i % 5 === 0 ? null : Buffer.from(`key-${i}`),
  value: i % 7 === 3 ? null : Buffer.alloc(i * 3, i),
  headers: i % 4 === 0 ? [{ key: "trace", value: Buffer.from(`t${i}`) }, { key: "span-é", value: Buffer.from([i, 0, 255]) }] : [],
  timestamp: BASE_TS + i * 13,
}));

describe.each([
  ["uncompressed", "none" as const, 0],
  ["gzip", "gzip" as const, KAFKAJS_GZIP],
])("KafkaJS compatibility, %s", (_label, compression, kafkajsCompression) => {
  it("a batch encoded by KafkaJS validates (CRC) and decodes with ours", async () => {
    const encoded = await kafkajsRecordBatch({
      compression: kafkajsCompression,
      firstTimestamp: BASE_TS,
      maxTimestamp: BASE_TS + 24 * 13,
      partitionLeaderEpoch: 5,
      lastOffsetDelta: sample.length - 1,
      records: sample.map((r, i) =>
        kafkajsRecord({
          key: r.key,
          value: r.value,
          headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])),
          offsetDelta: i,
          timestampDelta: r.timestamp - BASE_TS,
        }),
      ),
    });
    const buf = encoded.buffer;
    const header = validateBatch(buf);
    expect(header).toMatchObject({ compression, partitionLeaderEpoch: 5, recordCount: 25, lastOffsetDelta: 24, sizeInBytes: buf.length });
    expect(decodeRecords(buf)).toEqual(sample.map((r, i) => ({ offset: i, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers })));
  });

  it("a batch encoded by us decodes with KafkaJS", async () => {
    const buf = encodeRecordBatch({ baseOffset: 1000, partitionLeaderEpoch: 3, producerId: 77n, compression, records: sample });
    const batch = await kafkajsDecodeBatch(buf);
    expect(batch).toMatchObject({ firstOffset: "1000", partitionLeaderEpoch: 3, lastOffsetDelta: 24, producerId: "77" });
    expect(
      batch.records.map((r) => ({ offset: Number(r.offset), timestamp: Number(r.timestamp), key: r.key, value: r.value, headers: r.headers })),
    ).toEqual(
      sample.map((r, i) => ({
        offset: 1000 + i,
        timestamp: r.timestamp,
        key: r.key,
        value: r.value,
        headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])),
      })),
    );
  });
});
