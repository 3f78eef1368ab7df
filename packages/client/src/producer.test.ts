// The producer against an in-process fake cluster (real gRPC, real RecordBatch bytes): offsets come
// back as KafkaJS's RecordMetadata, records of one partition travel in one batch, retriable
// errors are retried (after a metadata refresh when leadership moved), non-retriable ones fail
// the send with the Kafka name, and order is kept per partition across retries.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { batchesIn, decodeRecords, defaultPartition } from "@replog/protocol";
import { SeededRandom } from "@replog/common";
import { Replog } from "./replog.js";
import { ReplogError } from "./errors.js";
import { FakeCluster } from "./test-support/fake-broker.js";

let cluster: FakeCluster;
beforeEach(async () => {
  cluster = await FakeCluster.start([1, 2]);
  cluster.createTopic("t", 2, [1, 2]);
});
afterEach(async () => {
  await cluster.stop();
});

function client(requestTimeout = 5_000): Replog {
  return new Replog({ clientId: "test", brokers: cluster.bootstrap.slice(0, 1), requestTimeout, random: new SeededRandom(7), retry: { retries: 3, initialRetryTime: 10, maxRetryTime: 50 } });
}

function values(topic: string, partition: number): string[] {
  return cluster.partition(topic, partition).batches.flatMap((b) => decodeRecords(b.bytes).map((r) => r.value!.toString()));
}

describe("producer", () => {
  it("sends keyed records to the murmur2 partition and returns each partition's base offset", async () => {
    const producer = client().producer();
    await producer.connect();
    const keys = ["a", "b", "c", "d", "e", "f"];
    const meta = await producer.send({ topic: "t", messages: keys.map((k) => ({ key: k, value: `v-${k}` })) });
    const expected = new Set(keys.map((k) => defaultPartition(Buffer.from(k), 2)));
    expect(new Set(meta.map((m) => m.partition))).toEqual(expected);
    for (const m of meta) expect(m).toMatchObject({ topicName: "t", errorCode: 0, baseOffset: "0" });
    for (const k of keys) expect(values("t", defaultPartition(Buffer.from(k), 2))).toContain(`v-${k}`);
    const second = await producer.send({ topic: "t", messages: [{ key: "a", value: "again" }] });
    const p = defaultPartition(Buffer.from("a"), 2);
    expect(second[0]).toMatchObject({ partition: p, baseOffset: String(keys.filter((k) => defaultPartition(Buffer.from(k), 2) === p).length) });
    await producer.disconnect();
  });

  it("batches concurrent sends to one partition into few produce requests, in order", async () => {
    const producer = client().producer({ lingerMs: 20 });
    await producer.connect();
    const sends = Array.from({ length: 50 }, (_, i) => producer.send({ topic: "t", messages: [{ value: `m${i}`, partition: 0 }] }));
    const results = await Promise.all(sends);
    expect(results.map((r) => r[0]!.baseOffset)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(values("t", 0)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    expect(cluster.produceLog.length).toBeLessThan(5);
    await producer.disconnect();
  });

  it("retries NOT_LEADER_OR_FOLLOWER after a leader move and lands on the new leader", async () => {
    const producer = client().producer();
    await producer.connect();
    const changes: unknown[] = [];
    producer.on(producer.events.LEADER_CHANGE, (e) => changes.push(e.payload));
    cluster.moveLeader("t", 0, 2);
    const [meta] = await producer.send({ topic: "t", messages: [{ value: "x", partition: 0 }] });
    expect(meta).toMatchObject({ partition: 0, baseOffset: "0" });
    expect(changes).toEqual([{ topic: "t", partition: 0, oldLeader: 1, newLeader: 2, leaderEpoch: 1 }]);
    const nodes = cluster.produceLog.map((l) => l.nodeId);
    expect(nodes[0]).toBe(1);
    expect(nodes[nodes.length - 1]).toBe(2);
    await producer.disconnect();
  });

  it("retries a retriable error (NOT_ENOUGH_REPLICAS) and keeps order within the partition", async () => {
    const producer = client().producer({ lingerMs: 0 });
    await producer.connect();
    cluster.injected.push({ api: "produce", topic: "t", partition: 0, errorCode: 19, times: 2 });
    const sends = ["a", "b", "c"].map((v) => producer.send({ topic: "t", messages: [{ value: v, partition: 0 }] }));
    await Promise.all(sends);
    expect(values("t", 0)).toEqual(["a", "b", "c"]);
    await producer.disconnect();
  });

  it("fails the send with the Kafka name when a non-retriable error comes", async () => {
    const producer = client().producer();
    await producer.connect();
    cluster.injected.push({ api: "produce", topic: "t", partition: 1, errorCode: 87 });
    const error = await producer.send({ topic: "t", messages: [{ value: "bad", partition: 1 }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplogError);
    expect(error).toMatchObject({ type: "INVALID_RECORD", code: 87, retriable: false });
    // The partition keeps working for the next record.
    await expect(producer.send({ topic: "t", messages: [{ value: "good", partition: 1 }] })).resolves.toHaveLength(1);
    await producer.disconnect();
  });

  it("gives up after the retries with the last error's name", async () => {
    const producer = client().producer({ retry: { retries: 2, initialRetryTime: 5, maxRetryTime: 10 } });
    await producer.connect();
    cluster.injected.push({ api: "produce", topic: "t", partition: 0, errorCode: 19, times: 10 });
    const error = await producer.send({ topic: "t", messages: [{ value: "x", partition: 0 }] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ReplogRetriesExhausted", type: "NOT_ENOUGH_REPLICAS", retriable: false });
    await producer.disconnect();
  });

  it("with acks=0 resolves without an answer and reports offset -1", async () => {
    const producer = client().producer({ acks: 0 });
    await producer.connect();
    const [meta] = await producer.send({ topic: "t", messages: [{ value: "fire", partition: 1 }] });
    expect(meta).toMatchObject({ partition: 1, baseOffset: "-1" });
    await producer.disconnect();
  });

  it("compresses with gzip and lz4 so that the broker stores decodable batches", async () => {
    for (const compression of ["gzip", "lz4"] as const) {
      const producer = client().producer({ compression });
      await producer.connect();
      await producer.send({ topic: "t", messages: [{ value: `${compression}-1`, partition: 0 }, { value: `${compression}-2`, partition: 0 }] });
      await producer.disconnect();
    }
    expect(values("t", 0)).toEqual(["gzip-1", "gzip-2", "lz4-1", "lz4-2"]);
  });

  it("refuses an unknown topic after retrying, with UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const producer = client().producer();
    await producer.connect();
    await expect(producer.send({ topic: "nope", messages: [{ value: "x" }] })).rejects.toMatchObject({ type: "UNKNOWN_TOPIC_OR_PARTITION" });
    await producer.disconnect();
  });

  it("times out a silent leader with REQUEST_TIMED_OUT and then succeeds on the new one", async () => {
    const producer = client(300).producer();
    await producer.connect();
    cluster.silentBrokers.add(1);
    const sent = producer.send({ topic: "t", messages: [{ value: "slow", partition: 0 }] });
    // Move the leadership so that the retry (after the timeout and a metadata refresh) can succeed.
    cluster.moveLeader("t", 0, 2);
    const [meta] = await sent;
    expect(meta).toMatchObject({ partition: 0, baseOffset: "0" });
    expect(cluster.produceLog.at(-1)!.nodeId).toBe(2);
    await producer.disconnect();
  });

  it("applies buffer.memory back-pressure: a send waits for room and fails after max.block.ms", async () => {
    const producer = client(300).producer({ bufferMemory: 120, maxBlockMs: 200, lingerMs: 0, deliveryTimeoutMs: 1_000 });
    await producer.connect();
    cluster.silentBrokers.add(1);
    // About 53 bytes each: two fit in 120 bytes, the third must wait for an answer that never comes.
    const pending = [producer.send({ topic: "t", messages: [{ value: "x".repeat(40), partition: 0 }] }), producer.send({ topic: "t", messages: [{ value: "y".repeat(40), partition: 0 }] })];
    await expect(producer.send({ topic: "t", messages: [{ value: "z".repeat(40), partition: 0 }] })).rejects.toMatchObject({
      type: "REQUEST_TIMED_OUT",
      message: expect.stringContaining("max.block.ms"),
    });
    // The two held records fail once delivery.timeout.ms has passed without an answer.
    for (const p of pending) await expect(p).rejects.toMatchObject({ name: "ReplogRetriesExhausted" });
    expect(values("t", 0)).toEqual([]);
  });

  it("reconnects: a broker that went away and came back on its address is used again", async () => {
    const producer = client().producer({ lingerMs: 0 });
    await producer.connect();
    await producer.send({ topic: "t", messages: [{ value: "before", partition: 0 }] });
    const port = cluster.stopBroker(1);
    cluster.moveLeader("t", 0, 2);
    // The stream to broker 1 broke: NETWORK_EXCEPTION, metadata refresh, then broker 2.
    await producer.send({ topic: "t", messages: [{ value: "during", partition: 0 }] });
    expect(cluster.produceLog.at(-1)!.nodeId).toBe(2);
    await cluster.startBroker(1, port);
    cluster.moveLeader("t", 0, 1);
    await producer.send({ topic: "t", messages: [{ value: "after", partition: 0 }] });
    expect(cluster.produceLog.at(-1)!.nodeId).toBe(1);
    expect(values("t", 0)).toEqual(["before", "during", "after"]);
    await producer.disconnect();
  });

  it("without idempotence, sends the batches queued behind an in-flight one together, in order, also when retried", async () => {
    // An idempotent producer sends one batch per partition per request (the broker's rule).
    const producer = client().producer({ batchSize: 100, lingerMs: 0, idempotent: false });
    await producer.connect();
    cluster.injected.push({ api: "produce", topic: "t", partition: 0, errorCode: 7, times: 2 });
    const values30 = Array.from({ length: 30 }, (_, i) => `record-${String(i).padStart(2, "0")}-${"x".repeat(20)}`);
    const results = await Promise.all(values30.map((value) => producer.send({ topic: "t", messages: [{ value, partition: 0 }] })));
    expect(results.map((r) => r[0]!.baseOffset)).toEqual(values30.map((_, i) => String(i)));
    expect(values("t", 0)).toEqual(values30);
    // Thirty one-record batches, far fewer requests: later batches rode together.
    const requests = cluster.produceLog.filter((l) => l.request.topics.some((t) => t.partitions.some((p) => p.index === 0)));
    expect(requests.length).toBeLessThan(15);
    await producer.disconnect();
  });

  describe("idempotent", () => {
    /** Producer id, epoch and base sequence of every batch each produce request carried for t-0. */
    const stamps = () =>
      cluster.produceLog.flatMap((l) =>
        l.request.topics.flatMap((t) => t.partitions.filter((p) => p.index === 0).flatMap((p) => [...batchesIn(p.records)].map(({ header: h }) => `${h.producerId}/${h.producerEpoch}/${h.baseSequence}+${h.recordCount}`))),
      );

    it("stamps a producer id and per-partition sequences; a retry resends the same sequence; one batch per request", async () => {
      const producer = client().producer({ idempotent: true, lingerMs: 0 });
      expect(producer.isIdempotent()).toBe(true);
      await producer.connect();
      cluster.injected.push({ api: "produce", topic: "t", partition: 0, errorCode: 19, times: 1 });
      await Promise.all(["a", "b", "c"].map((v) => producer.send({ topic: "t", messages: [{ value: v, partition: 0 }] })));
      await producer.send({ topic: "t", messages: [{ value: "d", partition: 0 }, { value: "e", partition: 0 }] });
      expect(values("t", 0)).toEqual(["a", "b", "c", "d", "e"]);
      // Every request carried one batch; the refused first one went again with the same stamp.
      expect(cluster.produceLog.every((l) => l.request.topics.every((t) => t.partitions.every((p) => [...batchesIn(p.records)].length === 1)))).toBe(true);
      const sent = stamps();
      expect(sent[0]).toBe(sent[1]);
      // Distinct batches follow each other in sequence: each starts where the previous one ended.
      let next = 0;
      for (const stamp of new Set(sent)) {
        const [, producerId, epoch, base, count] = /^(\d+)\/(\d+)\/(\d+)\+(\d+)$/.exec(stamp)!;
        expect([producerId, epoch, Number(base)]).toEqual(["1000", "0", next]);
        next += Number(count);
      }
      expect(next).toBe(5);
      await producer.disconnect();
    });

    it("sends the batches queued behind an in-flight one as ONE sequenced batch, and a retry resends it unchanged", async () => {
      const producer = client().producer({ batchSize: 100, lingerMs: 0 });
      await producer.connect();
      cluster.injected.push({ api: "produce", topic: "t", partition: 0, errorCode: 7, times: 2 });
      const values30 = Array.from({ length: 30 }, (_, i) => `record-${String(i).padStart(2, "0")}-${"x".repeat(20)}`);
      await Promise.all(values30.map((value) => producer.send({ topic: "t", messages: [{ value, partition: 0 }] })));
      expect(values("t", 0)).toEqual(values30);
      expect(cluster.produceLog.length).toBeLessThan(15);
      const sent = stamps();
      expect(sent[0]).toBe(sent[1]);
      expect(sent[1]).toBe(sent[2]);
      expect([...new Set(sent)].reduce((n, s) => n + Number(s.split("+")[1]), 0)).toBe(30);
      await producer.disconnect();
    });

    it("after a batch fails for good, takes a new producer id and starts the partition at sequence 0", async () => {
      const producer = client().producer({ idempotent: true, lingerMs: 0 });
      await producer.connect();
      await producer.send({ topic: "t", messages: [{ value: "one", partition: 0 }] });
      cluster.injected.push({ api: "produce", topic: "t", partition: 0, errorCode: 45, times: 1 });
      await expect(producer.send({ topic: "t", messages: [{ value: "lost", partition: 0 }] })).rejects.toMatchObject({ type: "OUT_OF_ORDER_SEQUENCE_NUMBER" });
      await producer.send({ topic: "t", messages: [{ value: "two", partition: 0 }] });
      expect(stamps()).toEqual(["1000/0/0+1", "1000/0/1+1", "1001/0/0+1"]);
      await producer.disconnect();
    });

    it("is on by default with acks all (Kafka ≥ 3.0); off with other acks; refuses acks other than all when asked for", async () => {
      expect(client().producer().isIdempotent()).toBe(true);
      expect(client().producer({ acks: 1 }).isIdempotent()).toBe(false);
      expect(client().producer({ idempotent: false }).isIdempotent()).toBe(false);
      expect(() => client().producer({ idempotent: true, acks: 1 })).toThrow(/needs acks -1/);
      const producer = client().producer({ idempotent: true });
      await producer.connect();
      await expect(producer.send({ topic: "t", acks: 0, messages: [{ value: "x" }] })).rejects.toThrow(/sends with acks -1/);
      await producer.disconnect();
    });
  });
});
