import { describe, expect, it } from "vitest";
import { decodeRecords } from "@replog/protocol";
import { estimateRecordBytes, partitionKey, RecordAccumulator } from "./record-accumulator.js";

const rec = (v: string) => ({ key: null, value: Buffer.from(v), headers: [], timestamp: 1_700_000_000_000 });
const none = () => false;

describe("RecordAccumulator", () => {
  it("collects records of a partition into one batch until batch.size, then opens the next", () => {
    const acc = new RecordAccumulator({ batchSizeBytes: 200, lingerMs: 5, bufferMemoryBytes: 1 << 20 });
    const per = estimateRecordBytes(null, Buffer.from("0123456789"), []);
    const fit = Math.floor((200 - 61) / per);
    const batches = new Set(Array.from({ length: fit + 1 }, () => acc.append("t", 0, rec("0123456789"), -1, "none", 0).batch));
    expect(batches.size).toBe(2);
    const [first] = [...batches];
    expect(first!.recordCount).toBe(fit);
    expect(first!.sizeBytes).toBeLessThanOrEqual(200);
  });

  it("holds a partial batch for linger.ms, unless a flush is asked or memory is short", () => {
    const acc = new RecordAccumulator({ batchSizeBytes: 16_384, lingerMs: 5, bufferMemoryBytes: 1 << 20 });
    acc.append("t", 0, rec("a"), -1, "none", 100);
    expect(acc.ready(104, none)).toEqual({ ready: [], nextCheckMs: 105 });
    expect(acc.ready(105, none).ready).toEqual([partitionKey("t", 0)]);
    acc.beginFlush();
    expect(acc.ready(100, none).ready).toHaveLength(1);
    acc.endFlush();
    expect(acc.ready(100, none, true).ready).toHaveLength(1);
  });

  it("sends a full batch at once and skips muted partitions", () => {
    const acc = new RecordAccumulator({ batchSizeBytes: 100, lingerMs: 1_000, bufferMemoryBytes: 1 << 20 });
    acc.append("t", 0, rec("x".repeat(30)), -1, "none", 0);
    acc.append("t", 0, rec("y".repeat(30)), -1, "none", 0);
    acc.append("t", 1, rec("z"), -1, "none", 0);
    expect(acc.ready(0, none).ready).toEqual([partitionKey("t", 0)]);
    expect(acc.ready(0, (k) => k === partitionKey("t", 0)).ready).toEqual([]);
  });

  it("starts a new batch when acks or compression differ, keeping the queue order", () => {
    const acc = new RecordAccumulator({ batchSizeBytes: 16_384, lingerMs: 0, bufferMemoryBytes: 1 << 20 });
    const a = acc.append("t", 0, rec("a"), -1, "none", 0).batch;
    const b = acc.append("t", 0, rec("b"), 1, "none", 0).batch;
    const c = acc.append("t", 0, rec("c"), 1, "gzip", 0).batch;
    expect(new Set([a, b, c]).size).toBe(3);
    expect([acc.drain(partitionKey("t", 0)), acc.drain(partitionKey("t", 0)), acc.drain(partitionKey("t", 0))]).toEqual([a, b, c]);
  });

  it("puts a retried batch back at the head, ready only after its backoff, with the same bytes", () => {
    const acc = new RecordAccumulator({ batchSizeBytes: 16_384, lingerMs: 0, bufferMemoryBytes: 1 << 20 });
    const first = acc.append("t", 0, rec("first"), -1, "none", 0).batch;
    const key = partitionKey("t", 0);
    expect(acc.drain(key)).toBe(first);
    const bytes = first.bytes();
    acc.append("t", 0, rec("second"), -1, "none", 1);
    acc.reenqueue(first, 50);
    expect(first.attempts).toBe(1);
    expect(acc.ready(49, none)).toEqual({ ready: [], nextCheckMs: 50 });
    expect(acc.ready(50, none).ready).toEqual([key]);
    const again = acc.drain(key)!;
    expect(again).toBe(first);
    expect(again.bytes()).toBe(bytes);
    expect(decodeRecords(again.bytes()).map((r) => r.value!.toString())).toEqual(["first"]);
    expect(acc.drain(key)!.records[0]!.value!.toString()).toBe("second");
  });

  it("accounts buffer.memory per record and frees it when a batch is released", () => {
    const acc = new RecordAccumulator({ batchSizeBytes: 16_384, lingerMs: 0, bufferMemoryBytes: 120 });
    const size = estimateRecordBytes(null, Buffer.from("x".repeat(40)), []);
    expect(size).toBe(53);
    acc.reserve(size);
    const { batch } = acc.append("t", 0, rec("x".repeat(40)), -1, "none", 0);
    expect(acc.usedBytes).toBe(size);
    expect(acc.hasRoomFor(size)).toBe(true);
    acc.reserve(size);
    acc.append("t", 0, rec("x".repeat(40)), -1, "none", 0);
    expect(acc.hasRoomFor(size)).toBe(false);
    acc.drain(partitionKey("t", 0));
    acc.release(batch);
    expect(acc.usedBytes).toBe(0);
  });

  it("drains the head and the batches behind it with the same acks, up to a byte bound, in order", () => {
    const acc = new RecordAccumulator({ batchSizeBytes: 100, lingerMs: 0, bufferMemoryBytes: 1 << 20 });
    const key = partitionKey("t", 0);
    const batches = ["a", "b", "c", "d"].map((v) => acc.append("t", 0, rec(v.repeat(30)), -1, "none", 0).batch);
    const other = acc.append("t", 0, rec("e"), 1, "none", 0).batch;
    expect(new Set(batches).size).toBe(4);
    // Each batch is 61 + 43 = 104 bytes estimated: three fit in 320.
    expect(acc.drainUpTo(key, 320)).toEqual(batches.slice(0, 3));
    // A different acks value stops the run.
    expect(acc.drainUpTo(key, 10_000)).toEqual([batches[3]]);
    // The head always goes, even alone past the bound.
    expect(acc.drainUpTo(key, 1)).toEqual([other]);
    expect(acc.drainUpTo(key, 1)).toEqual([]);
  });
});
