import { describe, expect, it } from "vitest";
import { validateBatch } from "./batch-header.js";
import { describeBatchHeader } from "./describe-batch.js";
import { encodeRecordBatch } from "./record-batch-builder.js";

describe("describeBatchHeader", () => {
  it("renders every header field on one stable line", () => {
    const buf = encodeRecordBatch({
      baseOffset: 10,
      partitionLeaderEpoch: 5,
      producerId: 7n,
      producerEpoch: 0,
      baseSequence: 3,
      isTransactional: true,
      records: [
        { value: Buffer.from("a"), timestamp: 1000 },
        { value: Buffer.from("b"), timestamp: 1020 },
      ],
    });
    const h = validateBatch(buf);
    expect(describeBatchHeader(h)).toBe(
      `offsets 10..11 count 2 epoch 5 size ${buf.length} crc 0x${h.crc.toString(16).padStart(8, "0")} none CreateTime ts 1000..1020 pid 7 pepoch 0 seq 3 txn`,
    );
  });
});
