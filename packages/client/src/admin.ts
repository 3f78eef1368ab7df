// The admin client, KafkaJS-shaped (`createTopics`, `fetchTopicMetadata`, `fetchTopicOffsets`…)
// plus `describeQuorum` and `electLeaders`. Metadata changes go to any broker's BrokerAdmin
// service, which forwards them to the active controller (KIP-590), so a bootstrap list is enough;
// NOT_CONTROLLER during a controller failover and broken connections are retried with backoff on
// the next broker. Reads (metadata, offsets) use the Broker service.
import type { Clock, Logger, Random } from "@replog/common";
import type { AdminMethod, BrokerConnection } from "./broker-connection.js";
import type { Cluster, TopicInfo } from "./cluster.js";
import { ReplogError, ReplogMetadataError, ReplogProtocolError } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { sleepOn, type Timers } from "./timers.js";
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  type AdminAnswerWire,
  type DescribeQuorumResponseWire,
  type ElectLeadersResponseWire,
  type ListOffsetsPartitionResponseWire,
  type ResourceResultWire,
  type TopicResultWire,
  type TopicsResponseWire,
} from "./wire.js";

export interface ITopicConfig {
  topic: string;
  numPartitions?: number;
  replicationFactor?: number;
  /** KafkaJS shape: `[{ partition: 0, replicas: [1, 2, 3] }]`. */
  replicaAssignment?: Array<{ partition: number; replicas: number[] }>;
  configEntries?: Array<{ name: string; value: string }>;
}

/** KafkaJS ConfigResourceTypes (TOPIC 2, BROKER 4), or their names. */
export const ConfigResourceTypes = Object.freeze({ UNKNOWN: 0, TOPIC: 2, BROKER: 4 });
type ResourceType = number | "TOPIC" | "BROKER";

export interface ConfigResource {
  type: ResourceType;
  name: string;
  configEntries: Array<{ name: string; value?: string; operation?: "SET" | "DELETE" | "APPEND" | "SUBTRACT" }>;
}

export interface AdminEnvironment {
  clock: Clock;
  random: Random;
  timers: Timers;
  logger: Logger;
  requestTimeoutMs: number;
  retry: RetryOptions;
}

export interface PartitionMetadata {
  partitionErrorCode: number;
  partitionId: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  configs: Record<string, string>;
  partitions: PartitionMetadata[];
}

const resourceTypeName = (t: ResourceType): string => (typeof t === "string" ? t : t === ConfigResourceTypes.BROKER ? "BROKER" : "TOPIC");

export class Admin {
  constructor(
    private readonly cluster: Cluster,
    private readonly env: AdminEnvironment,
    private readonly onDisconnect: () => void = () => {},
  ) {}

  async connect(): Promise<void> {
    await this.cluster.refresh([]);
  }

  async disconnect(): Promise<void> {
    this.onDisconnect();
  }

  /** Sends an admin request to any broker; retries NOT_CONTROLLER and connection errors with backoff. */
  private async call<Res extends AdminAnswerWire>(method: AdminMethod, req: unknown, timeoutMs = this.env.requestTimeoutMs): Promise<Res> {
    let turn = 0;
    return withRetry(
      async () => {
        const candidates = this.cluster.candidateConnections();
        const connection = candidates[turn++ % candidates.length]!;
        const res = await connection.adminCall<Res>(method, req, timeoutMs);
        if (res.errorCode !== 0) throw new ReplogProtocolError(res.errorCode, res.errorMessage);
        return res;
      },
      this.env.retry,
      { random: this.env.random, clock: this.env.clock, sleep: (ms) => sleepOn(this.env.timers, ms) },
    );
  }

  async listTopics(): Promise<string[]> {
    const res = await this.cluster.refresh([]);
    return res.topics.filter((t) => t.errorCode === 0).map((t) => t.name).sort();
  }

  /**
   * KafkaJS createTopics: true when every topic was created, false when some already existed;
   * other per-topic errors throw. With waitForLeaders (default true) it resolves once brokers
   * report a leader for every new partition.
   */
  async createTopics(args: { topics: ITopicConfig[]; validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number }): Promise<boolean> {
    const results = await this.createTopicsWithResults(args);
    return results.every((r) => r.errorCode === 0);
  }

  /** Like createTopics, but returns each topic's result (topic id, counts). */
  async createTopicsWithResults(args: { topics: ITopicConfig[]; validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number }): Promise<TopicResultWire[]> {
    if (args.validateOnly) throw new ReplogError("INVALID_REQUEST", "validateOnly is not supported yet", { retriable: false });
    const topics = args.topics.map((t) => ({
      name: t.topic,
      numPartitions: t.replicaAssignment ? -1 : (t.numPartitions ?? -1),
      replicationFactor: t.replicaAssignment ? -1 : (t.replicationFactor ?? -1),
      assignments: (t.replicaAssignment ?? []).slice().sort((a, b) => a.partition - b.partition).map((a) => ({ brokerIds: a.replicas })),
      configs: Object.fromEntries((t.configEntries ?? []).map((c) => [c.name, c.value])),
    }));
    const res = await this.call<TopicsResponseWire>("CreateTopics", { topics }, args.timeout ?? this.env.requestTimeoutMs);
    this.throwTopicErrors(res.topics, new Set(["TOPIC_ALREADY_EXISTS"]));
    const created = res.topics.filter((t) => t.errorCode === 0).map((t) => t.name);
    if (args.waitForLeaders !== false && created.length > 0) await this.waitForLeaders(created, args.timeout ?? this.env.requestTimeoutMs);
    return res.topics;
  }

  private throwTopicErrors(results: TopicResultWire[], tolerated: ReadonlySet<string> = new Set()): void {
    for (const r of results) {
      if (r.errorCode === 0) continue;
      const error = new ReplogProtocolError(r.errorCode, r.errorMessage, r.name);
      if (!tolerated.has(error.type)) throw error;
    }
  }

  /** Polls metadata until every partition of `topics` has a leader (another process's state: no event to await). */
  private async waitForLeaders(topics: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = this.env.clock.nowMs() + timeoutMs;
    for (;;) {
      const res = await this.cluster.refresh(topics).catch(() => undefined);
      const ready = res !== undefined && topics.every((name) => {
        const t = this.cluster.topic(name);
        return t !== undefined && t.partitions.length > 0 && t.partitions.every((p) => p && p.leader >= 0);
      });
      if (ready) return;
      if (this.env.clock.nowMs() > deadline) throw new ReplogError("LEADER_NOT_AVAILABLE", `no leader for every partition of ${topics.join(", ")} within ${timeoutMs} ms`);
      await sleepOn(this.env.timers, 100);
    }
  }

  async deleteTopics(args: { topics: string[]; timeout?: number }): Promise<void> {
    const res = await this.call<TopicsResponseWire>("DeleteTopics", { names: args.topics }, args.timeout);
    this.throwTopicErrors(res.topics);
  }

  async createPartitions(args: { topicPartitions: Array<{ topic: string; count: number; assignments?: number[][] }>; timeout?: number }): Promise<void> {
    const topics = args.topicPartitions.map((t) => ({ name: t.topic, count: t.count, assignments: (t.assignments ?? []).map((brokerIds) => ({ brokerIds })) }));
    const res = await this.call<TopicsResponseWire>("CreatePartitions", { topics }, args.timeout);
    this.throwTopicErrors(res.topics);
  }

  /** KafkaJS fetchTopicMetadata (plus topicId, configs and leader epochs). Without topics: all. */
  async fetchTopicMetadata(args: { topics?: string[] } = {}): Promise<{ topics: TopicMetadata[] }> {
    const res = await this.cluster.refresh(args.topics ?? []);
    const out: TopicMetadata[] = [];
    for (const t of res.topics) {
      if (t.errorCode !== 0) throw new ReplogProtocolError(t.errorCode, undefined, t.name);
      out.push(toTopicMetadata(this.cluster.topic(t.name)!));
    }
    return { topics: out.sort((a, b) => a.name.localeCompare(b.name)) };
  }

  async describeCluster(): Promise<{ brokers: Array<{ nodeId: number; host: string; port: number }>; controller: number | null; clusterId: string }> {
    await this.cluster.refresh([]);
    return {
      brokers: this.cluster.brokerList().map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
      controller: this.cluster.controllerId < 0 ? null : this.cluster.controllerId,
      clusterId: this.cluster.clusterId,
    };
  }

  /** KafkaJS fetchTopicOffsets: per partition the high watermark (`offset`, `high`) and the log start offset (`low`). */
  async fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; offset: string; high: string; low: string }>> {
    const [low, high] = await Promise.all([this.listOffsets(topic, EARLIEST_TIMESTAMP), this.listOffsets(topic, LATEST_TIMESTAMP)]);
    return high.map((h) => ({ partition: h.partition, offset: h.offset, high: h.offset, low: low.find((l) => l.partition === h.partition)!.offset }));
  }

  /** KafkaJS fetchTopicOffsetsByTimestamp: the first offset at or after `timestamp` (the high watermark if none). */
  async fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<Array<{ partition: number; offset: string }>> {
    if (timestamp === undefined) return (await this.listOffsets(topic, LATEST_TIMESTAMP)).map(({ partition, offset }) => ({ partition, offset }));
    const [found, high] = await Promise.all([this.listOffsets(topic, timestamp), this.listOffsets(topic, LATEST_TIMESTAMP)]);
    return found.map((f) => ({ partition: f.partition, offset: f.offset === "-1" ? high.find((h) => h.partition === f.partition)!.offset : f.offset }));
  }

  /** ListOffsets for every partition of a topic, each asked of its leader, retrying leadership errors. */
  private async listOffsets(topic: string, timestamp: number): Promise<Array<{ partition: number; offset: string }>> {
    return withRetry(
      async () => {
        await this.cluster.ensureTopics([topic]);
        const info = this.cluster.topic(topic)!;
        const byLeader = new Map<BrokerConnection, number[]>();
        for (const p of info.partitions) {
          const leader = this.cluster.leaderConnection(topic, p.partitionId);
          if (!leader) {
            await this.cluster.refresh([topic]);
            throw new ReplogMetadataError("LEADER_NOT_AVAILABLE", `${topic}-${p.partitionId} has no leader`);
          }
          byLeader.set(leader.connection, [...(byLeader.get(leader.connection) ?? []), p.partitionId]);
        }
        const answers = await Promise.all(
          [...byLeader].map(([c, partitions]) =>
            c.listOffsets({ replicaId: -1, topics: [{ name: topic, partitions: partitions.map((index) => ({ index, currentLeaderEpoch: -1, timestamp })) }] }, this.env.requestTimeoutMs),
          ),
        );
        const parts: ListOffsetsPartitionResponseWire[] = answers.flatMap((a) => a.topics.flatMap((t) => t.partitions));
        const failed = parts.find((p) => p.errorCode !== 0);
        if (failed) {
          await this.cluster.refresh([topic]).catch(() => undefined);
          throw new ReplogProtocolError(failed.errorCode, failed.errorMessage, topic, failed.index);
        }
        return parts.map((p) => ({ partition: p.index, offset: String(p.offset) })).sort((a, b) => a.partition - b.partition);
      },
      this.env.retry,
      { random: this.env.random, clock: this.env.clock, sleep: (ms) => sleepOn(this.env.timers, ms) },
    );
  }

  /** Incremental config changes (Kafka IncrementalAlterConfigs); `operation` defaults to SET. */
  async incrementalAlterConfigs(args: { resources: ConfigResource[] }): Promise<{ resources: ResourceResultWire[] }> {
    const resources = args.resources.map((r) => ({
      resourceType: resourceTypeName(r.type),
      resourceName: r.name,
      configs: r.configEntries.map((c) => ({ name: c.name, operation: c.operation ?? "SET", value: c.value ?? "" })),
    }));
    const res = await this.call<AdminAnswerWire & { resources: ResourceResultWire[] }>("IncrementalAlterConfigs", { resources });
    for (const r of res.resources) if (r.errorCode !== 0) throw new ReplogProtocolError(r.errorCode, r.errorMessage, r.resourceName);
    return { resources: res.resources };
  }

  /**
   * KafkaJS alterConfigs. Note: applied as SET of each given entry (other overrides stay), since
   * brokers offer only the incremental form; Kafka's legacy AlterConfigs replaced the whole set.
   */
  async alterConfigs(args: { resources: ConfigResource[]; validateOnly?: boolean }): Promise<{ resources: ResourceResultWire[] }> {
    if (args.validateOnly) throw new ReplogError("INVALID_REQUEST", "validateOnly is not supported yet", { retriable: false });
    return this.incrementalAlterConfigs({ resources: args.resources.map((r) => ({ ...r, configEntries: r.configEntries.map((c) => ({ ...c, operation: "SET" as const })) })) });
  }

  /** Kafka ElectLeaders; without topicPartitions, every partition. Per-partition outcomes are returned, not thrown. */
  async electLeaders(args: { electionType: "PREFERRED" | "UNCLEAN"; topicPartitions?: Array<{ topic: string; partitions: number[] }> }): Promise<ElectLeadersResponseWire["partitions"]> {
    const partitions = (args.topicPartitions ?? []).flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const res = await this.call<ElectLeadersResponseWire>("ElectLeaders", { electionType: args.electionType, partitions });
    return res.partitions;
  }

  /** Kafka DescribeQuorum, as `kafka-metadata-quorum describe` shows it. */
  async describeQuorum(): Promise<DescribeQuorumResponseWire> {
    return this.call<DescribeQuorumResponseWire>("DescribeQuorum", {});
  }
}

export function toTopicMetadata(t: TopicInfo): TopicMetadata {
  return {
    name: t.name,
    topicId: t.topicId,
    configs: t.configs,
    partitions: t.partitions.filter(Boolean).map((p) => ({
      partitionErrorCode: p.partitionErrorCode,
      partitionId: p.partitionId,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicas,
      isr: p.isr,
      offlineReplicas: p.offlineReplicas,
    })),
  };
}
