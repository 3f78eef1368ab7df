import { describe, expect, it } from "vitest";
import { NO_PRODUCER_ID, ProducerStateTable, RETAINED_BATCHES_PER_PRODUCER, type IdempotentBatch } from "./producer-state.js";

const batch = (baseSequence: number, records = 1, producerEpoch = 0, producerId = 7n): IdempotentBatch => ({ producerId, producerEpoch, baseSequence, lastOffsetDelta: records - 1 });

/** Appends `b` at `offset` when the table says so; returns the check. */
function append(t: ProducerStateTable, b: IdempotentBatch, offset: number) {
  const c = t.check(b);
  if (c.kind === "append") t.onAppended(b, offset, offset + b.lastOffsetDelta);
  return c;
}

describe("ProducerStateTable (Kafka's idempotent producer checks)", () => {
  it("accepts in-sequence batches and answers a retry with the original offsets, without a second append", () => {
    const t = new ProducerStateTable();
    expect(append(t, batch(0, 3), 100)).toEqual({ kind: "append" });
    expect(append(t, batch(3, 2), 103)).toEqual({ kind: "append" });
    expect(append(t, batch(0, 3), 999)).toEqual({ kind: "duplicate", firstOffset: 100, lastOffset: 102 });
    expect(append(t, batch(3, 2), 999)).toEqual({ kind: "duplicate", firstOffset: 103, lastOffset: 104 });
    expect(append(t, batch(5), 105)).toEqual({ kind: "append" });
  });

  it("refuses a gap and an older epoch, by Kafka's error names", () => {
    const t = new ProducerStateTable();
    append(t, batch(0, 2, 3), 0);
    expect(t.check(batch(5, 1, 3))).toMatchObject({ kind: "error", error: "OUT_OF_ORDER_SEQUENCE_NUMBER", message: expect.stringContaining("expected sequence 2, got 5") });
    expect(t.check(batch(2, 1, 2))).toMatchObject({ kind: "error", error: "INVALID_PRODUCER_EPOCH" });
    // A new epoch starts at 0, and fences the old one.
    expect(t.check(batch(4, 1, 4))).toMatchObject({ kind: "error", error: "OUT_OF_ORDER_SEQUENCE_NUMBER" });
    expect(append(t, batch(0, 1, 4), 2)).toEqual({ kind: "append" });
    expect(t.check(batch(2, 1, 3))).toMatchObject({ kind: "error", error: "INVALID_PRODUCER_EPOCH" });
  });

  it("lets an unknown producer start at any sequence (KIP-360), and ignores non-idempotent batches", () => {
    const t = new ProducerStateTable();
    expect(append(t, batch(41), 0)).toEqual({ kind: "append" });
    expect(t.check(batch(42))).toEqual({ kind: "append" });
    expect(append(t, batch(9, 1, 0, NO_PRODUCER_ID), 1)).toEqual({ kind: "append" });
    expect(t.size).toBe(1);
  });

  it("remembers only the last five batches per producer: an older retry is out of order", () => {
    const t = new ProducerStateTable();
    for (let i = 0; i <= RETAINED_BATCHES_PER_PRODUCER; i++) append(t, batch(i), i);
    expect(t.check(batch(1))).toEqual({ kind: "duplicate", firstOffset: 1, lastOffset: 1 });
    expect(t.check(batch(0))).toMatchObject({ kind: "error", error: "OUT_OF_ORDER_SEQUENCE_NUMBER" });
  });

  it("wraps sequences at 2^31 - 1", () => {
    const t = new ProducerStateTable();
    append(t, batch(2_147_483_646, 2), 0);
    expect(t.check(batch(0))).toEqual({ kind: "append" });
    expect(t.check(batch(2_147_483_646, 2))).toEqual({ kind: "duplicate", firstOffset: 0, lastOffset: 1 });
  });

  it("truncation forgets the batches at and above the offset; a producer with none left starts afresh", () => {
    const t = new ProducerStateTable();
    append(t, batch(0), 10);
    append(t, batch(1), 11);
    append(t, batch(0, 1, 0, 8n), 12);
    t.truncateFrom(11);
    // Producer 7's batch at offset 11 is gone: its retry is appended again, not answered from memory.
    expect(t.check(batch(1))).toEqual({ kind: "append" });
    expect(t.check(batch(0, 1, 0, 8n))).toEqual({ kind: "append" });
    expect(t.size).toBe(1);
  });
});
