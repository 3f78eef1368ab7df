import { describe, expect, it } from "vitest";
import { brokerEpoch, leaderEpoch, logIndex, nodeId, partitionEpoch, term } from "@replog/common";
import { MetadataDelta, MetadataImage, incarnationId, topicId, type MetadataRecord } from "@replog/metadata";
import { metadata } from "./broker-service.js";

const T = topicId("AAAAAAAAAAAAAAAAAAAAAA");

function register(id: number, listeners: Record<string, number>): MetadataRecord {
  return {
    type: "RegisterBrokerRecord", brokerId: nodeId(id), incarnationId: incarnationId(`inc-${id}`), brokerEpoch: brokerEpoch(BigInt(id)),
    endpoints: Object.entries(listeners).map(([name, port]) => ({ name, host: `broker-${id}`, port })), rack: null, fenced: false, inControlledShutdown: false,
  };
}

function partition(p: number, leader: number): MetadataRecord {
  const replicas = [4, 5].map(nodeId);
  return {
    type: "PartitionRecord", topicId: T, partitionId: p, replicas, isr: replicas, leader: nodeId(leader),
    leaderRecoveryState: "RECOVERED", leaderEpoch: leaderEpoch(0), partitionEpoch: partitionEpoch(0),
  };
}

// Broker 4 has both listeners; broker 5 was started with PLAINTEXT only.
const records: MetadataRecord[] = [
  register(4, { PLAINTEXT: 19092, PLAINTEXT_HOST: 29092 }),
  register(5, { PLAINTEXT: 19092 }),
  { type: "TopicRecord", name: "orders", topicId: T },
  partition(0, 4),
  partition(1, 5),
];
const delta = new MetadataDelta(MetadataImage.EMPTY);
records.forEach((r) => delta.replay(r));
const image = delta.apply({ lastIndex: logIndex(records.length), lastTerm: term(1) });

const ask = (listenerName: string) =>
  metadata({ image: () => image, listenerName, clusterId: "c", activeControllerId: () => 1, metadataOffset: () => records.length }, { topics: [] });

describe("Metadata answers per listener, as Kafka does", () => {
  it("lists every broker's endpoint on the listener asked on", () => {
    expect(ask("PLAINTEXT").brokers.map((b: { nodeId: number; port: number }) => `${b.nodeId}:${b.port}`)).toEqual(["4:19092", "5:19092"]);
    expect(ask("PLAINTEXT").topics[0].partitions.map((p: { errorName: string }) => p.errorName)).toEqual(["NONE", "NONE"]);
  });

  it("leaves out a broker without that listener, and a partition it leads carries LISTENER_NOT_FOUND", () => {
    const res = ask("PLAINTEXT_HOST");
    expect(res.brokers.map((b: { nodeId: number; port: number }) => `${b.nodeId}:${b.port}`)).toEqual(["4:29092"]);
    expect(res.topics[0].partitions.map((p: { partitionIndex: number; errorName: string; errorCode: number }) => `${p.partitionIndex}:${p.errorName}:${p.errorCode}`)).toEqual([
      "0:NONE:0",
      "1:LISTENER_NOT_FOUND:72",
    ]);
  });
});
