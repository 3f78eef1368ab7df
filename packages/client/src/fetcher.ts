// The consumer's fetch engine for manually assigned partitions (Kafka `Fetcher` +
// `SubscriptionState`): per partition a position (the next offset to hand out), a paused flag and
// what the leader last said (high watermark, log start offset). One round resets positions that
// need it (ListOffsets to the leader: earliest or latest, by auto.offset.reset), then sends one
// long-poll FetchRequest per leader on its Fetch stream (fetch.min.bytes, fetch.max.wait.ms,
// max.partition.fetch.bytes), and turns the answers into batches of decoded records. Leadership
// errors and broken connections mark metadata for refresh; the next round goes to the new leader
// with its leader epoch (KIP-320), so a consumer follows failover without losing its position.
import type { Logger } from "@replog/common";
import { batchesIn, recordsIn } from "@replog/protocol";
import type { BrokerConnection } from "./broker-connection.js";
import type { Cluster } from "./cluster.js";
import { asReplogError, needsMetadataRefresh, ReplogError, ReplogOffsetOutOfRange, ReplogProtocolError } from "./errors.js";
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type FetchPartitionResponseWire, type FetchResponseWire } from "./wire.js";

export type OffsetResetPolicy = "earliest" | "latest" | "none";

export interface FetchConfig {
  minBytes: number;
  maxBytes: number;
  maxBytesPerPartition: number;
  maxWaitTimeInMs: number;
  autoOffsetReset: OffsetResetPolicy;
  requestTimeoutMs: number;
}

/** KafkaJS's message shape: offsets and timestamps as decimal strings. */
export interface KafkaMessage {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  attributes: number;
  offset: string;
  headers: Record<string, Buffer | null>;
}

export interface FetchedBatch {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: KafkaMessage[];
}

export interface PartitionState {
  topic: string;
  partition: number;
  /** The next offset to hand out; undefined until reset or seek. */
  position: number | undefined;
  /** A pending reset: by policy, or to an explicit ListOffsets timestamp (-2 earliest, -1 latest). */
  resetTo: number | undefined;
  paused: boolean;
  highWatermark: number;
  logStartOffset: number;
  /** Bumped on every seek, so that an answer to an older position is dropped. */
  generation: number;
}

export const tpKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

export class Fetcher {
  readonly partitions = new Map<string, PartitionState>();
  private readonly staleTopics = new Set<string>();
  /**
   * True after a round that sent nothing (no position or no leader anywhere) or met an error that
   * needs metadata: the caller waits retry.backoff.ms before the next round instead of spinning.
   */
  backoffNeeded = false;
  /**
   * Fetches out per leader (at most one each) and the partitions they carry, as Java's Fetcher:
   * a round returns as soon as ANY leader answers, the others' long-polls stay out for the next
   * round, and a partition is never in two fetches at once (also not across a leader change).
   */
  private readonly outstanding = new Map<BrokerConnection, Promise<void>>();
  private readonly inFlight = new Set<PartitionState>();
  private readonly answered: Array<FetchedBatch[] | { error: unknown }> = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly config: FetchConfig,
    private readonly logger: Logger,
  ) {}

  /** Replaces the assignment; partitions that stay keep their position and pause state. */
  assign(list: ReadonlyArray<{ topic: string; partition: number }>): void {
    const next = new Map<string, PartitionState>();
    for (const { topic, partition } of list) {
      const key = tpKey(topic, partition);
      next.set(key, this.partitions.get(key) ?? { topic, partition, position: undefined, resetTo: undefined, paused: false, highWatermark: -1, logStartOffset: -1, generation: 0 });
    }
    this.partitions.clear();
    for (const [k, v] of next) this.partitions.set(k, v);
    // Answers not handed out yet for partitions no longer assigned are dropped.
    for (const [i, a] of this.answered.entries()) if (Array.isArray(a)) this.answered[i] = a.filter((b) => next.has(tpKey(b.topic, b.partition)));
  }

  state(topic: string, partition: number): PartitionState {
    const s = this.partitions.get(tpKey(topic, partition));
    if (!s) throw new ReplogError("INVALID_REQUEST", `${topic}-${partition} is not assigned`, { retriable: false });
    return s;
  }

  /** Next fetch starts at `offset`; -2 and -1 mean earliest and latest (resolved by ListOffsets). */
  seek(topic: string, partition: number, offset: number): void {
    const s = this.state(topic, partition);
    s.generation++;
    // Answers that arrived before the seek but were not handed out yet are from the old position.
    for (const [i, a] of this.answered.entries()) if (Array.isArray(a)) this.answered[i] = a.filter((b) => b.topic !== topic || b.partition !== partition);
    if (offset < 0) {
      s.position = undefined;
      s.resetTo = offset;
    } else {
      s.position = offset;
      s.resetTo = undefined;
    }
  }

  /**
   * One fetch round: sends a long-poll to every leader that has none out, then resolves with the
   * batches of the first answers (Java's poll returns when any node answers; the rest stay out).
   */
  async fetchRound(): Promise<FetchedBatch[]> {
    await this.maybeRefreshMetadata();
    await this.resetPositions();
    const byLeader = new Map<BrokerConnection, Array<{ state: PartitionState; leaderEpoch: number }>>();
    for (const s of this.partitions.values()) {
      if (s.paused || s.position === undefined || this.inFlight.has(s)) continue;
      const leader = this.cluster.leaderConnection(s.topic, s.partition);
      if (!leader) {
        this.staleTopics.add(s.topic);
        continue;
      }
      if (this.outstanding.has(leader.connection)) continue;
      let list = byLeader.get(leader.connection);
      if (!list) byLeader.set(leader.connection, (list = []));
      list.push({ state: s, leaderEpoch: leader.info.leaderEpoch });
    }
    for (const [connection, list] of byLeader) this.send(connection, list);
    if (this.answered.length === 0 && this.outstanding.size > 0) await Promise.race(this.outstanding.values());
    const answers = this.answered.splice(0);
    const failed = answers.find((a): a is { error: unknown } => !Array.isArray(a));
    if (failed) throw failed.error;
    this.backoffNeeded = this.outstanding.size === 0 && (byLeader.size === 0 || this.staleTopics.size > 0);
    return (answers as FetchedBatch[][]).flat();
  }

  /** Starts one fetch to `connection`; its answer (or error) lands in `answered`. */
  private send(connection: BrokerConnection, list: Array<{ state: PartitionState; leaderEpoch: number }>): void {
    for (const { state } of list) this.inFlight.add(state);
    const done = this.fetchFrom(connection, list).then(
      (batches) => void this.answered.push(batches),
      (error: unknown) => void this.answered.push({ error }),
    ).finally(() => {
      this.outstanding.delete(connection);
      for (const { state } of list) this.inFlight.delete(state);
    });
    this.outstanding.set(connection, done);
  }

  /** True when a round would send nothing (all paused, or nothing assigned). */
  get idle(): boolean {
    for (const s of this.partitions.values()) if (!s.paused) return false;
    return true;
  }

  private async maybeRefreshMetadata(): Promise<void> {
    const topics = new Set([...this.partitions.values()].map((s) => s.topic));
    const unknown = [...topics].filter((t) => !this.cluster.topic(t));
    if (unknown.length > 0 || this.staleTopics.size > 0 || this.cluster.isStale()) {
      const wanted = [...new Set([...unknown, ...this.staleTopics])];
      this.staleTopics.clear();
      await this.cluster.refreshSoon(wanted.length > 0 ? wanted : [...topics]);
    }
  }

  private async fetchFrom(connection: BrokerConnection, list: Array<{ state: PartitionState; leaderEpoch: number }>): Promise<FetchedBatch[]> {
    const asked = list.map(({ state }) => ({ state, position: state.position!, generation: state.generation }));
    const topics = new Map<string, Array<{ index: number; currentLeaderEpoch: number; fetchOffset: number; lastFetchedEpoch: number; logStartOffset: number; partitionMaxBytes: number }>>();
    for (const { state, leaderEpoch } of list) {
      let parts = topics.get(state.topic);
      if (!parts) topics.set(state.topic, (parts = []));
      parts.push({ index: state.partition, currentLeaderEpoch: leaderEpoch, fetchOffset: state.position!, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: this.config.maxBytesPerPartition });
    }
    let res: FetchResponseWire;
    try {
      res = await connection.fetch(
        {
          replicaId: -1,
          replicaEpoch: -1,
          maxWaitMs: this.config.maxWaitTimeInMs,
          minBytes: this.config.minBytes,
          maxBytes: this.config.maxBytes,
          isolationLevel: 0,
          topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        },
        this.config.requestTimeoutMs + this.config.maxWaitTimeInMs,
      );
    } catch (e) {
      const error = asReplogError(e);
      if (!error.retriable) throw error;
      this.logger.debug({ broker: connection.address, error: error.message }, "fetch failed; refreshing metadata");
      for (const { state } of asked) this.staleTopics.add(state.topic);
      return [];
    }
    if (res.errorCode !== 0) {
      const error = new ReplogProtocolError(res.errorCode, res.errorMessage);
      if (!error.retriable) throw error;
      for (const { state } of asked) this.staleTopics.add(state.topic);
      return [];
    }
    const out: FetchedBatch[] = [];
    for (const a of asked) {
      const p = res.topics.find((t) => t.name === a.state.topic)?.partitions.find((x) => x.index === a.state.partition);
      // Dropped: the partition was unassigned, seeked or paused while the fetch was out (a paused
      // one keeps its position and is fetched again on resume).
      if (!p || this.partitions.get(tpKey(a.state.topic, a.state.partition)) !== a.state || a.state.generation !== a.generation || a.state.paused) continue;
      const batch = this.handlePartition(a.state, a.position, p);
      if (batch) out.push(batch);
    }
    return out;
  }

  private handlePartition(s: PartitionState, position: number, p: FetchPartitionResponseWire): FetchedBatch | undefined {
    if (p.errorCode !== 0) {
      const hint = p.currentLeader;
      // The broker named the new leader: go there next round without a metadata round trip.
      if (hint && this.cluster.updateLeader(s.topic, s.partition, hint.leaderId, hint.leaderEpoch)) return undefined;
      this.handlePartitionError(s, position, new ReplogProtocolError(p.errorCode, p.errorMessage, s.topic, s.partition));
      return undefined;
    }
    s.highWatermark = Number(p.highWatermark);
    s.logStartOffset = Number(p.logStartOffset);
    const messages: KafkaMessage[] = [];
    let next = position;
    const records = p.records ?? Buffer.alloc(0);
    for (const { pos, header } of batchesIn(records)) {
      if (header.lastOffset < position) continue;
      if (!header.isControl) {
        for (const r of recordsIn(records, pos)) {
          if (r.offset < position) continue;
          const headers: Record<string, Buffer | null> = {};
          for (const h of r.headers) headers[h.key] = h.value;
          messages.push({ key: r.key, value: r.value, timestamp: String(r.timestamp), attributes: 0, offset: String(r.offset), headers });
        }
      }
      // Kafka: the position moves past the whole batch (compaction may leave offset gaps).
      next = header.lastOffset + 1;
    }
    s.position = next;
    return { topic: s.topic, partition: s.partition, highWatermark: String(s.highWatermark), messages };
  }

  private handlePartitionError(s: PartitionState, position: number, error: ReplogProtocolError): void {
    if (error.type === "OFFSET_OUT_OF_RANGE") {
      if (this.config.autoOffsetReset === "none") throw new ReplogOffsetOutOfRange(s.topic, s.partition, position);
      this.logger.info({ topic: s.topic, partition: s.partition, offset: position, reset: this.config.autoOffsetReset }, "fetch position out of range; resetting");
      s.position = undefined;
      s.resetTo = this.config.autoOffsetReset === "earliest" ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
      return;
    }
    if (needsMetadataRefresh(error) || error.retriable) {
      this.staleTopics.add(s.topic);
      return;
    }
    throw error;
  }

  /** ListOffsets for every partition without a position, grouped per leader. */
  private async resetPositions(): Promise<void> {
    const byLeader = new Map<BrokerConnection, PartitionState[]>();
    for (const s of this.partitions.values()) {
      if (s.position !== undefined) continue;
      if (s.resetTo === undefined) {
        if (this.config.autoOffsetReset === "none") throw new ReplogOffsetOutOfRange(s.topic, s.partition, -1);
        s.resetTo = this.config.autoOffsetReset === "earliest" ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
      }
      const leader = this.cluster.leaderConnection(s.topic, s.partition);
      if (!leader) {
        this.staleTopics.add(s.topic);
        continue;
      }
      let list = byLeader.get(leader.connection);
      if (!list) byLeader.set(leader.connection, (list = []));
      list.push(s);
    }
    await Promise.all([...byLeader].map(([c, list]) => this.listOffsets(c, list)));
  }

  private async listOffsets(connection: BrokerConnection, list: PartitionState[]): Promise<void> {
    const generations = list.map((s) => s.generation);
    const topics = new Map<string, Array<{ index: number; currentLeaderEpoch: number; timestamp: number }>>();
    for (const s of list) {
      let parts = topics.get(s.topic);
      if (!parts) topics.set(s.topic, (parts = []));
      parts.push({ index: s.partition, currentLeaderEpoch: -1, timestamp: s.resetTo! });
    }
    try {
      const res = await connection.listOffsets({ replicaId: -1, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) }, this.config.requestTimeoutMs);
      list.forEach((s, i) => {
        const p = res.topics.find((t) => t.name === s.topic)?.partitions.find((x) => x.index === s.partition);
        if (!p || s.generation !== generations[i]) return;
        if (p.errorCode !== 0) {
          const error = new ReplogProtocolError(p.errorCode, p.errorMessage, s.topic, s.partition);
          if (!error.retriable) throw error;
          this.staleTopics.add(s.topic);
          return;
        }
        s.position = Number(p.offset);
        s.resetTo = undefined;
      });
    } catch (e) {
      const error = asReplogError(e);
      if (!error.retriable) throw error;
      for (const s of list) this.staleTopics.add(s.topic);
    }
  }
}
