// What a client knows about the cluster: broker connections (one per broker address) and the
// metadata cache (brokers, topics, partition leaders with their epochs). Shared by the producer,
// consumer and admin of one `Replog` instance's child; refreshed on demand (a leadership error,
// a connection error, a timeout, an unknown topic) and when older than metadataMaxAge.
import type { Clock, Logger, Random } from "@replog/common";
import { BrokerConnection } from "./broker-connection.js";
import { asReplogError, ReplogConnectionError, ReplogError, ReplogMetadataError, ReplogProtocolError } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { sleepOn, type Timers } from "./timers.js";
import type { MetadataResponseWire, TopicMetadataWire } from "./wire.js";

export interface PartitionInfo {
  partitionId: number;
  /** -1 when the partition has no leader. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  partitionErrorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  partitions: PartitionInfo[];
  configs: Record<string, string>;
}

/** A partition's leader moved (seen in metadata or in a broker's current-leader hint). */
export interface LeaderChange {
  topic: string;
  partition: number;
  oldLeader: number;
  newLeader: number;
  leaderEpoch: number;
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string;
}

export interface ClusterOptions {
  clientId: string;
  brokers: readonly string[];
  requestTimeoutMs: number;
  maxInFlightRequests: number;
  metadataMaxAgeMs: number;
  retry: RetryOptions;
  timers: Timers;
  clock: Clock;
  random: Random;
  logger: Logger;
}

export class Cluster {
  private readonly connections = new Map<string, BrokerConnection>();
  private brokers = new Map<number, BrokerInfo>();
  private readonly topics = new Map<string, TopicInfo>();
  private readonly topicErrors = new Map<string, ReplogError>();
  private refreshing: { topics: ReadonlySet<string> | null; done: Promise<void> } | null = null;
  private refreshedAtMs = Number.NEGATIVE_INFINITY;
  private readonly leaderListeners = new Set<(change: LeaderChange) => void>();
  clusterId = "";
  controllerId = -1;

  constructor(readonly options: ClusterOptions) {
    if (options.brokers.length === 0) throw new TypeError("brokers: at least one bootstrap address is needed");
  }

  topic(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  brokerList(): BrokerInfo[] {
    return [...this.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  /** The connection to a broker by id, if metadata names it. */
  connection(nodeId: number): BrokerConnection | undefined {
    const b = this.brokers.get(nodeId);
    return b ? this.connectionTo(`${b.host}:${b.port}`, nodeId) : undefined;
  }

  /** The current leader's connection, or undefined when there is none (offline or unknown). */
  leaderConnection(topic: string, partition: number): { connection: BrokerConnection; info: PartitionInfo } | undefined {
    const info = this.topics.get(topic)?.partitions[partition];
    if (!info || info.leader < 0) return undefined;
    const connection = this.connection(info.leader);
    return connection ? { connection, info } : undefined;
  }

  /**
   * Connections to ask for cluster-wide things: known brokers (rotated, so load spreads), then the
   * bootstrap list; brokers that failed last time go after the rest.
   */
  candidateConnections(): BrokerConnection[] {
    const known = this.brokerList().map((b) => this.connectionTo(`${b.host}:${b.port}`, b.nodeId));
    const start = known.length > 0 ? this.options.random.int(known.length) : 0;
    const rotated = [...known.slice(start), ...known.slice(0, start)];
    const boot = this.options.brokers.map((a) => this.connectionTo(a, -1)).filter((c) => !rotated.includes(c));
    const all = [...rotated, ...boot];
    return [...all.filter((c) => !c.suspect), ...all.filter((c) => c.suspect)];
  }

  private connectionTo(address: string, nodeId: number): BrokerConnection {
    let c = this.connections.get(address);
    if (!c) {
      c = new BrokerConnection(nodeId, address, {
        clientId: this.options.clientId,
        maxInFlightRequests: this.options.maxInFlightRequests,
        timers: this.options.timers,
      });
      this.connections.set(address, c);
    }
    return c;
  }

  /**
   * Refreshes metadata for `topics` (all topics when empty). Concurrent callers share one request
   * when they ask for the same thing; the answer replaces what we knew about those topics.
   */
  async refresh(topics: readonly string[] = []): Promise<MetadataResponseWire> {
    let lastError: unknown = new ReplogConnectionError(this.options.brokers.join(","), "no broker to ask");
    for (const c of this.candidateConnections()) {
      try {
        const res = await c.metadata(topics, this.options.requestTimeoutMs);
        this.apply(res, topics);
        return res;
      } catch (e) {
        lastError = e;
        this.options.logger.debug({ broker: c.address, error: (e as Error).message }, "metadata request failed");
      }
    }
    throw asReplogError(lastError);
  }

  /**
   * Coalesces refreshes: joins the one in flight when it covers `topics` (an empty list means all
   * topics), else starts another after it. Errors are swallowed: callers retry on their own clock.
   */
  async refreshSoon(topics: readonly string[]): Promise<void> {
    const inflight = this.refreshing;
    if (inflight && (inflight.topics === null || topics.every((t) => inflight.topics!.has(t)))) {
      await inflight.done;
      return;
    }
    if (inflight) await inflight.done;
    const mine = {
      topics: topics.length === 0 ? null : new Set(topics),
      done: this.refresh(topics).then(
        () => undefined,
        () => undefined,
      ),
    };
    this.refreshing = mine;
    await mine.done;
    if (this.refreshing === mine) this.refreshing = null;
  }

  private apply(res: MetadataResponseWire, asked: readonly string[]): void {
    this.brokers = new Map(res.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }]));
    this.clusterId = res.clusterId;
    this.controllerId = res.controllerId;
    this.refreshedAtMs = this.options.clock.nowMs();
    const previous = new Map(this.topics);
    if (asked.length === 0) this.topics.clear();
    for (const t of res.topics) {
      this.applyTopic(t);
      const before = previous.get(t.name);
      const after = this.topics.get(t.name);
      if (before && after) after.partitions.forEach((p) => p && this.noteLeader(t.name, p.partitionId, before.partitions[p.partitionId], p.leader, p.leaderEpoch));
    }
  }

  /** Listens for leader moves (the `producer.leader_change` / `consumer.leader_change` events). */
  onLeaderChange(listener: (change: LeaderChange) => void): () => void {
    this.leaderListeners.add(listener);
    return () => this.leaderListeners.delete(listener);
  }

  private noteLeader(topic: string, partition: number, old: PartitionInfo | undefined, newLeader: number, leaderEpoch: number): void {
    if (!old || old.leader === newLeader || leaderEpoch < old.leaderEpoch) return;
    const change = { topic, partition, oldLeader: old.leader, newLeader, leaderEpoch };
    this.options.logger.info(change, `leader of ${topic}-${partition} moved from ${old.leader} to ${newLeader}`);
    for (const l of this.leaderListeners) l(change);
  }

  private applyTopic(t: TopicMetadataWire): void {
    if (t.errorCode !== 0) {
      this.topics.delete(t.name);
      this.topicErrors.set(t.name, new ReplogProtocolError(t.errorCode, undefined, t.name));
      return;
    }
    this.topicErrors.delete(t.name);
    const partitions: PartitionInfo[] = [];
    for (const p of t.partitions) {
      partitions[p.partitionIndex] = {
        partitionId: p.partitionIndex,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
        offlineReplicas: p.offlineReplicas,
        partitionErrorCode: p.errorCode,
      };
    }
    this.topics.set(t.name, { name: t.name, topicId: t.topicId, partitions, configs: t.configs ?? {} });
  }

  /**
   * Takes a broker's word on who leads a partition now (the `current_leader` of a
   * NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH answer, as KIP-951), when it is newer than what
   * we hold and names a broker we know. Returns whether the cache changed.
   */
  updateLeader(topic: string, partition: number, leaderId: number, leaderEpoch: number): boolean {
    const info = this.topics.get(topic)?.partitions[partition];
    if (!info || leaderId < 0 || leaderEpoch <= info.leaderEpoch || !this.brokers.has(leaderId)) return false;
    const old = { ...info };
    info.leader = leaderId;
    info.leaderEpoch = leaderEpoch;
    this.noteLeader(topic, partition, old, leaderId, leaderEpoch);
    return true;
  }

  /** True when the cached metadata is older than metadata.max.age.ms. */
  isStale(): boolean {
    return this.options.clock.nowMs() - this.refreshedAtMs > this.options.metadataMaxAgeMs;
  }

  /**
   * Makes sure every topic is known (retrying UNKNOWN_TOPIC_OR_PARTITION, which is normal for a
   * moment after creation while brokers catch up on the metadata log).
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = () => topics.filter((t) => !this.topics.has(t));
    if (missing().length === 0 && !this.isStale()) return;
    await withRetry(
      async () => {
        await this.refresh(topics);
        const still = missing();
        if (still.length > 0) {
          throw this.topicErrors.get(still[0]!) ?? new ReplogMetadataError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${still[0]}`);
        }
      },
      this.options.retry,
      { random: this.options.random, clock: this.options.clock, sleep: (ms) => sleepOn(this.options.timers, ms) },
    );
  }

  close(): void {
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }
}
