// The controller role in one process (a single-voter quorum on loopback), driven through its gRPC
// API like a broker and an admin tool would: register, heartbeat until unfenced, create a topic,
// alter its ISR, allocate producer ids — and the typed errors on the way.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordingLogger, resolveServerConfig } from "@replog/common";
import * as grpc from "@grpc/grpc-js";
import { callUnary, healthServiceDefinition, newControllerClient, type ControllerClient } from "@replog/protocol";
import { ControllerRole } from "./controller-role.js";

const CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qk";
let dir: string;
let role: ControllerRole;
let client: ControllerClient;
let port: number;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = (method: string, req: object): Promise<any> => callUnary(client, (client as any)[method], req, 5_000);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "replog-controller-role-"));
  port = 20_000 + Math.floor(Math.random() * 20_000);
  const resolved = resolveServerConfig({
    "process.roles": "controller",
    "node.id": "1",
    "controller.quorum.voters": `1@127.0.0.1:${port}`,
    listeners: `CONTROLLER://127.0.0.1:${port}`,
    "log.dirs": dir,
    "controller.quorum.election.timeout.ms": "200",
  });
  role = await ControllerRole.start({ resolved, clusterId: CLUSTER_ID, logger: new RecordingLogger(), registry: new Registry() });
  client = newControllerClient(`127.0.0.1:${port}`);
  await waitUntil(() => role.isActive());
});

afterAll(async () => {
  client?.close();
  await role?.stop("test done");
  rmSync(dir, { recursive: true, force: true });
});

async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("controller role over gRPC", () => {
  let epoch = "";

  it("registers a broker fenced, unfences it once it has caught up with metadata", async () => {
    const reg = await call("BrokerRegistration", { brokerId: 4, clusterId: CLUSTER_ID, incarnationId: "AAAAAAAAAAAAAAAAAAAAAQ", listeners: [{ name: "PLAINTEXT", host: "127.0.0.4", port: 9092 }], rack: "" });
    expect(reg.errorCode).toBe(0);
    epoch = String(reg.brokerEpoch);
    expect(Number(epoch)).toBeGreaterThan(0);
    // Behind on metadata: stays fenced.
    const behind = await call("BrokerHeartbeat", { brokerId: 4, brokerEpoch: epoch, currentMetadataOffset: 0, wantFence: false, wantShutDown: false });
    expect(behind).toMatchObject({ errorCode: 0, isFenced: true });
    const caughtUp = await call("BrokerHeartbeat", { brokerId: 4, brokerEpoch: epoch, currentMetadataOffset: role.metadata.appliedIndex, wantFence: false, wantShutDown: false });
    expect(caughtUp).toMatchObject({ errorCode: 0, isCaughtUp: true, isFenced: false });
    expect(role.metadata.image.cluster.brokers.get(4 as never)?.fenced).toBe(false);
  });

  it("refuses a registration from another cluster and a heartbeat with a stale epoch", async () => {
    const wrong = await call("BrokerRegistration", { brokerId: 5, clusterId: "AAAAAAAAAAAAAAAAAAAAAA", incarnationId: "AAAAAAAAAAAAAAAAAAAAAg", listeners: [], rack: "" });
    expect(wrong.errorCode).toBe(104);
    expect(wrong.errorMessage).toMatch(/INCONSISTENT_CLUSTER_ID/);
    const stale = await call("BrokerHeartbeat", { brokerId: 4, brokerEpoch: "1", currentMetadataOffset: 0, wantFence: false, wantShutDown: false });
    expect(stale.errorCode).toBe(77);
    expect(stale.errorMessage).toMatch(/STALE_BROKER_EPOCH/);
  });

  it("creates a topic on the unfenced broker; refuses bad ones with Kafka's errors", async () => {
    const ok = await call("CreateTopics", { topics: [{ name: "orders", numPartitions: 2, replicationFactor: 1, assignments: [], configs: { "min.insync.replicas": "1" } }] });
    expect(ok.topics[0]).toMatchObject({ name: "orders", errorCode: 0, numPartitions: 2, replicationFactor: 1 });
    const again = await call("CreateTopics", { topics: [{ name: "orders", numPartitions: 1, replicationFactor: 1, assignments: [], configs: {} }] });
    expect(again.topics[0]).toMatchObject({ errorCode: 36, errorName: "TOPIC_ALREADY_EXISTS" });
    const tooMany = await call("CreateTopics", { topics: [{ name: "wide", numPartitions: 1, replicationFactor: 3, assignments: [], configs: {} }] });
    expect(tooMany.topics[0]).toMatchObject({ errorCode: 38, errorName: "INVALID_REPLICATION_FACTOR" });
    const badConfig = await call("CreateTopics", { topics: [{ name: "cfg", numPartitions: 1, replicationFactor: 1, assignments: [], configs: { "retention.ms": "soon" } }] });
    expect(badConfig.topics[0]).toMatchObject({ errorCode: 40, errorName: "INVALID_CONFIG" });
    const shrink = await call("CreatePartitions", { topics: [{ name: "orders", count: 1, assignments: [] }] });
    expect(shrink.topics[0]).toMatchObject({ errorCode: 37, errorName: "INVALID_PARTITIONS" });
    const topic = role.metadata.image.topics.topicByName("orders");
    expect(topic?.partitions.size).toBe(2);
  });

  it("AlterPartition is validated by leader and partition epochs and ISR membership (Kafka 2.5)", async () => {
    const topicId = role.metadata.image.topics.topicByName("orders")!.id;
    const alter = (leaderEpoch: number, isr: number[]) =>
      call("AlterPartition", {
        brokerId: 4,
        brokerEpoch: epoch,
        topics: [{ topicId, partitions: [{ partitionIndex: 0, leaderEpoch, partitionEpoch: 0, newIsrWithEpochs: isr.map((b) => ({ brokerId: b, brokerEpoch: b === 4 ? epoch : "-1" })), leaderRecoveryState: "RECOVERED" }] }],
      }).then((r) => r.topics[0].partitions[0]);
    // An epoch ahead of the controller's: the sender must be talking to a stale controller.
    expect(await alter(99, [4])).toMatchObject({ errorCode: 41, errorName: "NOT_CONTROLLER" });
    expect(await alter(0, [4, 7])).toMatchObject({ errorCode: 42, errorName: "INVALID_REQUEST" });
    expect(await alter(0, [4])).toMatchObject({ errorCode: 0, leaderId: 4, isr: [4] });
  });

  it("allocates producer-id blocks that never overlap", async () => {
    const a = await call("AllocateProducerIds", { brokerId: 4, brokerEpoch: epoch });
    const b = await call("AllocateProducerIds", { brokerId: 4, brokerEpoch: epoch });
    expect(a.errorCode).toBe(0);
    expect(Number(b.producerIdStart)).toBe(Number(a.producerIdStart) + a.producerIdLen);
  });

  it("answers the standard gRPC health check", async () => {
    const Health = healthServiceDefinition();
    const h = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, never>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const check = (service: string) => callUnary<any, any>(h, (h as any).Check, { service }, 5_000);
    expect(await check("")).toEqual({ status: "SERVING" });
    expect(await check("replog.controller.v1.Controller")).toEqual({ status: "SERVING" });
    await expect(check("nope")).rejects.toThrow(/NOT_FOUND/);
    h.close();
  });

  it("describes itself as the leader of a one-voter quorum", async () => {
    const q = await call("DescribeQuorum", {});
    expect(q).toMatchObject({ errorCode: 0, leaderId: 1, clusterId: CLUSTER_ID });
    expect(q.currentVoters.map((v: { nodeId: number }) => v.nodeId)).toEqual([1]);
  });
});
