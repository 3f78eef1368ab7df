// The consumer's fetch engine against an in-process fake cluster: positions from
// auto.offset.reset, seek, pause/resume, OFFSET_OUT_OF_RANGE handling, following a leader move,
// and the high watermark and lag it exposes; run({ eachMessage }) as a loop.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SeededRandom } from "@replog/common";
import { Replog } from "./replog.js";
import type { Batch, Consumer } from "./consumer.js";
import { FakeCluster } from "./test-support/fake-broker.js";

let cluster: FakeCluster;
let replog: Replog;
beforeEach(async () => {
  cluster = await FakeCluster.start([1, 2]);
  cluster.createTopic("t", 2, [1, 2]);
  replog = new Replog({ clientId: "test", brokers: cluster.bootstrap, requestTimeout: 5_000, random: new SeededRandom(3), retry: { retries: 3, initialRetryTime: 10, maxRetryTime: 50 } });
});
afterEach(async () => {
  await cluster.stop();
});

async function produce(partition: number, values: string[]): Promise<void> {
  const producer = replog.producer();
  await producer.connect();
  await producer.send({ topic: "t", messages: values.map((value) => ({ value, partition })) });
  await producer.disconnect();
}

/** Polls until `n` messages came back (each poll long-polls on the broker; no sleeping here). */
async function pollMessages(consumer: Consumer, n: number): Promise<Array<{ partition: number; offset: string; value: string }>> {
  const out: Array<{ partition: number; offset: string; value: string }> = [];
  for (let round = 0; out.length < n && round < 50; round++) {
    for (const b of await consumer.poll()) for (const m of b.messages) out.push({ partition: b.partition, offset: m.offset, value: m.value!.toString() });
  }
  return out;
}

describe("consumer (manual assignment)", () => {
  it("reads from the beginning with auto.offset.reset=earliest and exposes the high watermark and lag", async () => {
    await produce(0, ["a", "b", "c"]);
    const consumer = replog.consumer({ autoOffsetReset: "earliest", maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.assign([{ topic: "t", partitions: [0] }]);
    const got = await pollMessages(consumer, 3);
    expect(got).toEqual([
      { partition: 0, offset: "0", value: "a" },
      { partition: 0, offset: "1", value: "b" },
      { partition: 0, offset: "2", value: "c" },
    ]);
    expect(consumer.lag()).toEqual([{ topic: "t", partition: 0, position: "3", highWatermark: "3", logStartOffset: "0", lag: "0" }]);
    await consumer.disconnect();
  });

  it("a round returns as soon as one leader answers; an idle leader's long-poll stays out for the next round", async () => {
    // Partitions 0 and 1 have different leaders. With a two-minute long-poll, a round that waited
    // for every leader would outlive this test's deadline.
    await produce(0, ["a", "b"]);
    const consumer = replog.consumer({ autoOffsetReset: "earliest", maxWaitTimeInMs: 120_000 });
    await consumer.connect();
    await consumer.assign([{ topic: "t" }]);
    expect(cluster.partition("t", 0).leader).not.toBe(cluster.partition("t", 1).leader);
    const first = (await consumer.poll()).filter((b) => !b.isEmpty());
    expect(first.map((b) => [b.partition, b.messages.map((m) => m.value!.toString())])).toEqual([[0, ["a", "b"]]]);
    // The fetch to partition 1's leader is still waiting there: new data wakes it up.
    await produce(1, ["c"]);
    const second = (await consumer.poll()).filter((b) => !b.isEmpty());
    expect(second.map((b) => [b.partition, b.messages.map((m) => m.value!.toString())])).toEqual([[1, ["c"]]]);
    await consumer.disconnect();
  });

  it("a seek drops an answer that arrived for the old position but was not handed out yet", async () => {
    await produce(0, ["a"]);
    const consumer = replog.consumer({ autoOffsetReset: "earliest", maxWaitTimeInMs: 120_000 });
    await consumer.connect();
    await consumer.assign([{ topic: "t" }]);
    // Partition 0's answer comes back; partition 1's long-poll (another leader) stays out.
    expect((await consumer.poll()).flatMap((b) => b.messages.map((m) => m.value!.toString()))).toEqual(["a"]);
    await produce(1, ["x", "y"]);
    // Partition 1's answer arrives and moves its position to 2; nobody has polled it yet.
    while (consumer.lag().find((l) => l.partition === 1)!.position !== "2") await new Promise((r) => setImmediate(r));
    consumer.seek({ topic: "t", partition: 1, offset: 1 });
    const after = await pollMessages(consumer, 1);
    expect(after.map((m) => `${m.partition}:${m.value}`)).toEqual(["1:y"]);
    await consumer.disconnect();
  });

  it("starts at the end with latest, and sees only what comes after", async () => {
    await produce(1, ["old"]);
    const consumer = replog.consumer({ maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.assign([{ topic: "t" }]);
    await consumer.poll();
    expect(consumer.lag().find((l) => l.partition === 1)).toMatchObject({ position: "1" });
    await produce(1, ["new"]);
    expect(await pollMessages(consumer, 1)).toEqual([{ partition: 1, offset: "1", value: "new" }]);
    await consumer.disconnect();
  });

  it("seeks to an offset and reports batch lag like KafkaJS", async () => {
    await produce(0, ["a", "b", "c", "d"]);
    const consumer = replog.consumer({ maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.assign([{ topic: "t", partitions: [0] }]);
    consumer.seek({ topic: "t", partition: 0, offset: "2" });
    let batch: Batch | undefined;
    while (!batch) batch = (await consumer.poll()).find((b) => !b.isEmpty());
    expect(batch.messages.map((m) => m.value!.toString())).toEqual(["c", "d"]);
    expect([batch.highWatermark, batch.firstOffset(), batch.lastOffset(), batch.offsetLag(), batch.offsetLagLow()]).toEqual(["4", "2", "3", "0", "2"]);
    await consumer.disconnect();
  });

  it("does not fetch paused partitions until resumed", async () => {
    await produce(0, ["p0"]);
    await produce(1, ["p1"]);
    const consumer = replog.consumer({ autoOffsetReset: "earliest", maxWaitTimeInMs: 20 });
    await consumer.connect();
    await consumer.assign([{ topic: "t" }]);
    consumer.pause([{ topic: "t", partitions: [1] }]);
    expect(consumer.paused()).toEqual([{ topic: "t", partitions: [1] }]);
    expect(await pollMessages(consumer, 1)).toEqual([{ partition: 0, offset: "0", value: "p0" }]);
    expect((await consumer.poll()).flatMap((b) => b.messages)).toEqual([]);
    consumer.resume([{ topic: "t" }]);
    expect(await pollMessages(consumer, 1)).toEqual([{ partition: 1, offset: "0", value: "p1" }]);
    await consumer.disconnect();
  });

  it("resets an out-of-range position by auto.offset.reset, or throws OFFSET_OUT_OF_RANGE with none", async () => {
    await produce(0, ["a", "b", "c"]);
    cluster.truncateBefore("t", 0, 2);
    const earliest = replog.consumer({ autoOffsetReset: "earliest", maxWaitTimeInMs: 20 });
    await earliest.connect();
    await earliest.assign([{ topic: "t", partitions: [0] }]);
    earliest.seek({ topic: "t", partition: 0, offset: 0 });
    expect(await pollMessages(earliest, 1)).toEqual([{ partition: 0, offset: "2", value: "c" }]);
    await earliest.disconnect();

    const strict = replog.consumer({ autoOffsetReset: "none", maxWaitTimeInMs: 20 });
    await strict.connect();
    await strict.assign([{ topic: "t", partitions: [0] }]);
    strict.seek({ topic: "t", partition: 0, offset: 0 });
    await expect(strict.poll()).rejects.toMatchObject({ type: "OFFSET_OUT_OF_RANGE", name: "ReplogOffsetOutOfRange" });
    await strict.disconnect();
  });

  it("follows a leader move by the broker's current-leader hint, without a metadata request", async () => {
    await produce(0, ["a"]);
    const consumer = replog.consumer({ autoOffsetReset: "earliest", maxWaitTimeInMs: 20 });
    await consumer.connect();
    await consumer.assign([{ topic: "t", partitions: [0] }]);
    expect(await pollMessages(consumer, 1)).toHaveLength(1);
    const before = cluster.metadataCalls;
    const changes: unknown[] = [];
    consumer.on("consumer.leader_change", (e) => changes.push(e.payload));
    cluster.moveLeader("t", 0, 2);
    await produce(0, ["b"]);
    const producerCalls = cluster.metadataCalls - before;
    expect(await pollMessages(consumer, 1)).toEqual([{ partition: 0, offset: "1", value: "b" }]);
    expect(cluster.metadataCalls - before).toBe(producerCalls);
    expect(changes).toEqual([{ topic: "t", partition: 0, oldLeader: 1, newLeader: 2, leaderEpoch: 1 }]);
    await consumer.disconnect();
  });

  it("follows a leader move (NOT_LEADER_OR_FOLLOWER → metadata refresh → the new leader) without losing its position", async () => {
    await produce(0, ["a", "b"]);
    const consumer = replog.consumer({ autoOffsetReset: "earliest", maxWaitTimeInMs: 20 });
    await consumer.connect();
    await consumer.assign([{ topic: "t", partitions: [0] }]);
    expect(await pollMessages(consumer, 2)).toHaveLength(2);
    cluster.leaderHints = false;
    cluster.moveLeader("t", 0, 2);
    // The new leader has the same log in this fake (as replication would have it).
    await produce(0, ["c"]);
    const before = cluster.metadataCalls;
    expect(await pollMessages(consumer, 1)).toEqual([{ partition: 0, offset: "2", value: "c" }]);
    expect(cluster.metadataCalls).toBeGreaterThan(before);
    await consumer.disconnect();
  });

  it("run({ eachMessage }) hands every message over in order per partition, and a throwing handler sees the message again", async () => {
    await produce(0, ["a", "b", "c"]);
    const consumer = replog.consumer({ autoOffsetReset: "earliest", maxWaitTimeInMs: 20 });
    await consumer.connect();
    await consumer.assign([{ topic: "t", partitions: [0] }]);
    const seen: string[] = [];
    let failedOnce = false;
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const v = message.value!.toString();
          if (v === "b" && !failedOnce) {
            failedOnce = true;
            throw new Error("handler failed once");
          }
          seen.push(v);
          if (seen.length === 3) resolve();
        },
      });
    });
    await done;
    await consumer.stop();
    expect(seen).toEqual(["a", "b", "c"]);
    await consumer.disconnect();
  });

  it("run({ eachBatch }) gets whole batches with the high watermark, in offset order", async () => {
    await produce(1, ["x", "y", "z"]);
    const consumer = replog.consumer({ autoOffsetReset: "earliest", maxWaitTimeInMs: 20 });
    await consumer.connect();
    await consumer.assign([{ topic: "t", partitions: [1] }]);
    const offsets: string[] = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachBatch: async ({ batch, resolveOffset, isRunning }) => {
          expect(isRunning()).toBe(true);
          expect(batch.highWatermark).toBe("3");
          for (const m of batch.messages) {
            offsets.push(m.offset);
            resolveOffset(m.offset);
          }
          if (offsets.length === 3) resolve();
        },
      });
    });
    await done;
    await consumer.stop();
    expect(offsets).toEqual(["0", "1", "2"]);
    await consumer.disconnect();
  });
});

describe("consumer with every broker gone", () => {
  it("backs off between failing rounds instead of spinning", async () => {
    // Real timers, but every wait is recorded.
    const waits: number[] = [];
    const timers = {
      setTimeout: (fn: () => void, ms: number) => (waits.push(ms), setTimeout(fn, ms)),
      clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    const consumer = new Replog({ brokers: cluster.bootstrap, requestTimeout: 5_000, random: new SeededRandom(3), timers }).consumer({ autoOffsetReset: "earliest", maxWaitTimeInMs: 20 });
    await consumer.connect();
    await consumer.assign([{ topic: "t", partitions: [0] }]);
    await consumer.poll();
    await cluster.stop();
    waits.length = 0;
    // Ten rounds against a dead cluster: each fails fast and then waits retry.backoff.ms (100 ms).
    for (let i = 0; i < 10; i++) expect(await consumer.poll()).toEqual([]);
    expect(waits.filter((ms) => ms === 100)).toHaveLength(10);
    await consumer.disconnect();
  });
});
