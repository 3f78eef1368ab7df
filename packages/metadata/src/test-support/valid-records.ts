// Turns random numbers into a VALID sequence of metadata records (every record refers to things
// that exist), for property tests of the image, the delta and snapshots.

import fc from "fast-check";
import { brokerEpoch, leaderEpoch, nodeId, partitionEpoch, producerId, type BrokerId } from "@replog/common";
import { incarnationId, topicId, type MetadataRecord, type TopicId } from "../records.js";

interface ModelTopic {
  name: string;
  id: TopicId;
  partitions: number;
}

const op = fc.record({ kind: fc.nat(9), a: fc.nat(1000), b: fc.nat(1000), c: fc.nat(1000) });
export const arbitraryOps = fc.array(op, { maxLength: 120, size: "max" });
export type Op = { kind: number; a: number; b: number; c: number };

export function recordsFromOps(ops: readonly Op[]): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  const brokers = new Map<BrokerId, bigint>();
  const topics: ModelTopic[] = [];
  let nextTopic = 0;
  let nextProducer = 0n;
  const pick = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
  const someBrokers = (n: number, m: number): BrokerId[] => {
    const ids = [...brokers.keys()];
    return ids.filter((_, i) => ((n >> i) & 1) === 1 || i === m % Math.max(ids.length, 1));
  };
  ops.forEach((o, i) => {
    switch (o.kind) {
      case 0: {
        const id = nodeId(o.a % 5);
        const epoch = BigInt(i + 1);
        brokers.set(id, epoch);
        const fenced = o.b % 2 === 0;
        records.push({
          type: "RegisterBrokerRecord", brokerId: id, incarnationId: incarnationId(`inc-${i}`), brokerEpoch: brokerEpoch(epoch),
          endpoints: [{ name: "PLAINTEXT", host: `127.0.0.${id + 1}`, port: 9092 }], rack: o.c % 3 === 0 ? null : `rack-${o.c % 3}`,
          fenced, inControlledShutdown: false,
        });
        return;
      }
      case 1: {
        const id = pick([...brokers.keys()], o.a);
        if (id === undefined) return;
        records.push({ type: "UnregisterBrokerRecord", brokerId: id, brokerEpoch: brokerEpoch(brokers.get(id)!) });
        brokers.delete(id);
        return;
      }
      case 2: {
        const id = pick([...brokers.keys()], o.a);
        if (id === undefined) return;
        records.push({
          type: "BrokerRegistrationChangeRecord", brokerId: id, brokerEpoch: brokerEpoch(brokers.get(id)!),
          ...(o.b % 3 === 0 ? {} : { fenced: o.b % 3 === 1 }), ...(o.c % 4 === 0 ? { inControlledShutdown: true as const } : {}),
        });
        return;
      }
      case 3: {
        const t: ModelTopic = { name: `topic-${o.a % 7}-${nextTopic}`, id: topicId(`id-${nextTopic++}`), partitions: 1 + (o.b % 4) };
        topics.push(t);
        records.push({ type: "TopicRecord", name: t.name, topicId: t.id });
        for (let p = 0; p < t.partitions; p++) {
          const replicas = someBrokers(o.c + p, p);
          records.push({
            type: "PartitionRecord", topicId: t.id, partitionId: p, replicas, isr: replicas, leader: replicas[0] ?? nodeId(-1),
            leaderRecoveryState: "RECOVERED", leaderEpoch: leaderEpoch(0), partitionEpoch: partitionEpoch(0),
          });
        }
        return;
      }
      case 4: {
        const t = pick(topics, o.a);
        if (t === undefined) return;
        const isr = someBrokers(o.c, o.b);
        records.push({
          type: "PartitionChangeRecord", topicId: t.id, partitionId: o.b % t.partitions,
          ...(o.c % 2 === 0 ? { isr } : {}), ...(o.c % 3 === 0 ? { leader: isr[0] ?? nodeId(-1) } : {}),
          ...(o.c % 5 === 0 ? { leaderRecoveryState: "RECOVERING" as const, uncleanElection: true as const } : {}),
          ...(o.a % 4 === 0 ? { replicas: someBrokers(o.a, o.b) } : {}),
        });
        return;
      }
      case 5: {
        const at = topics.length === 0 ? -1 : o.a % topics.length;
        if (at < 0) return;
        const [t] = topics.splice(at, 1);
        records.push({ type: "RemoveTopicRecord", topicId: t!.id });
        return;
      }
      case 6: {
        const t = pick(topics, o.a);
        const onTopic = t !== undefined && o.b % 2 === 0;
        records.push({
          type: "ConfigRecord", resourceType: onTopic ? "TOPIC" : "BROKER", resourceName: onTopic ? t.name : o.b % 3 === 0 ? "" : String(o.b % 3),
          name: ["retention.ms", "min.insync.replicas", "cleanup.policy"][o.c % 3]!, value: o.c % 4 === 0 ? null : String(o.c),
        });
        return;
      }
      case 7:
        nextProducer += BigInt(1 + o.a);
        records.push({ type: "ProducerIdsRecord", brokerId: nodeId(o.b % 5), brokerEpoch: brokerEpoch(1n), nextProducerId: producerId(nextProducer) });
        return;
      case 8:
        records.push({ type: "FeatureLevelRecord", name: o.a % 2 === 0 ? "metadata.version" : "kraft.version", featureLevel: o.b % 3 });
        return;
      default:
        records.push({ type: "NoOpRecord" });
    }
  });
  return records;
}
