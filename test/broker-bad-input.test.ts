// Bad input on the broker API (issue: brokers and replication, "bad input on every broker RPC"):
// unknown topics and partitions, the wrong leader, stale and future leader epochs, corrupt and
// oversized batches, negative offsets, garbage in place of a protobuf. Each gets a typed Kafka
// error, nothing is appended, and the broker keeps serving.

import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRecordBatch, newBrokerClient } from "@replog/protocol";
import { TestCluster } from "./support/cluster.js";
import { RawClient } from "./support/raw-client.js";
import { waitFor } from "./support/wait.js";

let cluster: TestCluster;
let client: RawClient;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Wire = any;

beforeAll(async () => {
  cluster = await TestCluster.start({ controllers: 1, brokers: 3, overrides: ["controller.quorum.election.timeout.ms=500", "message.max.bytes=20000"] });
  client = new RawClient(cluster.file().bootstrapServers.split(","));
  await client.createTopic("t", 1, 3);
  await waitFor("topic writable", async () => ((await client.produceRetrying("t", 0, ["first"], -1)).error === "NONE" ? true : undefined));
});
afterAll(async () => {
  client?.close();
  await cluster?.destroy();
});

async function produceRaw(address: string, req: Wire): Promise<Wire> {
  const c = newBrokerClient(address);
  const s = c.Produce();
  try {
    return await new Promise((resolve, reject) => {
      s.on("data", resolve);
      s.on("error", reject);
      s.write(req);
    });
  } finally {
    s.end();
    c.close();
  }
}

async function fetchRaw(address: string, partition: Wire, replicaId = -1): Promise<Wire> {
  const c = newBrokerClient(address);
  const s = c.Fetch();
  try {
    const res: Wire = await new Promise((resolve, reject) => {
      s.on("data", resolve);
      s.on("error", reject);
      s.write({ correlationId: "7", replicaId, replicaEpoch: "-1", maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, topics: [{ name: "t", partitions: [{ index: 0, currentLeaderEpoch: -1, fetchOffset: "0", lastFetchedEpoch: -1, logStartOffset: "0", partitionMaxBytes: 1 << 20, ...partition }] }] });
    });
    return res.topics[0].partitions[0];
  } finally {
    s.end();
    c.close();
  }
}

const one = (res: Wire) => res.topics[0].partitions[0];

describe("broker bad input", () => {
  it("answers every malformed produce with a typed error and appends nothing", async () => {
    const { address, leaderEpoch } = await client.partition("t", 0);
    const before = await client.offset("t", 0, -1);
    const good = encodeRecordBatch({ records: [{ value: Buffer.from("x") }] });
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 1]! ^= 0xff; // inside the CRC-covered records
    const wrongMagic = Buffer.from(good);
    wrongMagic[16] = 1;
    const negativeLength = Buffer.from(good);
    negativeLength.writeInt32BE(-5, 8);
    const big = encodeRecordBatch({ records: [{ value: Buffer.alloc(30_000, 1) }] });
    const req = (records: Buffer, extra: Wire = {}) => ({ correlationId: "1", acks: -1, timeoutMs: 3000, topics: [{ name: "t", partitions: [{ index: 0, records }] }], ...extra });
    expect(one(await produceRaw(address!, req(corrupt)))).toMatchObject({ errorName: "CORRUPT_MESSAGE" });
    expect(one(await produceRaw(address!, req(wrongMagic))).errorName).toMatch(/CORRUPT_MESSAGE|INVALID_RECORD|UNSUPPORTED_VERSION/);
    expect(one(await produceRaw(address!, req(negativeLength))).errorCode).not.toBe(0);
    expect(one(await produceRaw(address!, req(big)))).toMatchObject({ errorName: "MESSAGE_TOO_LARGE" });
    expect(one(await produceRaw(address!, req(Buffer.from("not a record batch at all, just words")))).errorCode).not.toBe(0);
    expect(one(await produceRaw(address!, req(Buffer.alloc(0))))).toMatchObject({ errorName: "INVALID_RECORD" });
    expect(one(await produceRaw(address!, req(good, { acks: 2 })))).toMatchObject({ errorName: "INVALID_REQUIRED_ACKS" });
    expect(one(await produceRaw(address!, { ...req(good), topics: [{ name: "nope", partitions: [{ index: 0, records: good }] }] }))).toMatchObject({ errorName: "UNKNOWN_TOPIC_OR_PARTITION" });
    expect(one(await produceRaw(address!, { ...req(good), topics: [{ name: "t", partitions: [{ index: 9, records: good }] }] }))).toMatchObject({ errorName: "UNKNOWN_TOPIC_OR_PARTITION" });
    // The wrong leader: a follower of t-0.
    const md = await client.metadata(["t"]);
    const follower = md.brokers.find((b: Wire) => b.nodeId !== md.topics[0].partitions[0].leaderId);
    expect(one(await produceRaw(`${follower.host}:${follower.port}`, req(good)))).toMatchObject({ errorName: "NOT_LEADER_OR_FOLLOWER" });
    // Nothing above was appended: the log end is where it was.
    expect(await client.offset("t", 0, -1)).toBe(before);
    expect((await client.readAll("t", 0)).map((r) => r.value)).toEqual(["first"]);
    expect(leaderEpoch).toBeGreaterThanOrEqual(0);
  });

  it("answers bad fetches with typed errors", async () => {
    const { address, leaderEpoch } = await client.partition("t", 0);
    expect(await fetchRaw(address!, { fetchOffset: "-3" })).toMatchObject({ errorName: "OFFSET_OUT_OF_RANGE" });
    expect(await fetchRaw(address!, { fetchOffset: "1000000" })).toMatchObject({ errorName: "OFFSET_OUT_OF_RANGE" });
    expect(await fetchRaw(address!, { currentLeaderEpoch: leaderEpoch + 5 })).toMatchObject({ errorName: "UNKNOWN_LEADER_EPOCH" });
    if (leaderEpoch > 0) expect(await fetchRaw(address!, { currentLeaderEpoch: leaderEpoch - 1 })).toMatchObject({ errorName: "FENCED_LEADER_EPOCH" });
    // A "follower" that is not a replica of the partition.
    expect((await fetchRaw(address!, {}, 99)).errorCode).not.toBe(0);
    const ok = await fetchRaw(address!, {});
    expect(ok.errorName).toBe("NONE");
    expect(ok.records.length).toBeGreaterThan(0);
  });

  it("survives garbage in place of a protobuf and keeps serving", async () => {
    const { address } = await client.partition("t", 0);
    const raw = new grpc.Client(address!, grpc.credentials.createInsecure());
    await new Promise<void>((resolve) => {
      const s = raw.makeBidiStreamRequest("/replog.broker.v1.Broker/Produce", (b: Buffer) => b, (b: Buffer) => b);
      s.on("error", () => resolve());
      s.on("end", () => resolve());
      s.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02]));
      s.end();
    });
    await new Promise<void>((resolve) => raw.makeUnaryRequest("/replog.broker.v1.Broker/Metadata", (b: Buffer) => b, (b: Buffer) => b, Buffer.from("garbage!!"), () => resolve()));
    raw.close();
    expect((await client.produceRetrying("t", 0, ["after garbage"], -1)).error).toBe("NONE");
    expect((await client.readAll("t", 0)).map((r) => r.value)).toEqual(["first", "after garbage"]);
  });
});
