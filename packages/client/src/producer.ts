// The producer: KafkaJS's `producer.send({ topic, messages })` → RecordMetadata[] on top of Kafka's
// producer design. `send` picks partitions and appends to the RecordAccumulator (waiting for
// buffer.memory when it is full); the sender loop below drains ready batches, groups them per
// leader into one ProduceRequest on that broker's long-lived Produce stream, and handles each
// partition's answer: success completes the batch, a retriable error puts it back at the head of
// its partition with a jittered backoff (after a metadata refresh when leadership may have moved),
// until delivery.timeout.ms. One batch per partition is in flight at a time, so a retry can never
// overtake a later batch: order is kept per partition without idempotence.
//
// With `idempotent: true` (Kafka enable.idempotence, KIP-98) the producer gets a producer id from a
// broker (InitProducerId); when a partition's queued batches are first sent they are encoded as
// ONE RecordBatch (brokers take one idempotent batch per partition per request) stamped with the
// id, the epoch and the partition's next sequence number; a retry resends the very same bytes, so
// a leader that has already written them answers with their offsets instead of writing them
// twice. A batch that fails
// for good leaves a gap in its partition's sequence, so the producer then takes a new producer id
// and starts every partition at 0 again (what Kafka's epoch bump achieves).
import { assert, type Clock, type Logger, type Random } from "@replog/common";
import type { CompressionType, RecordHeader } from "@replog/protocol";
import type { Cluster, LeaderChange } from "./cluster.js";
import { asReplogError, needsMetadataRefresh, ReplogError, ReplogNotConnected, ReplogProtocolError, ReplogRetriesExhausted } from "./errors.js";
import { createDefaultPartitioner, toBuffer, type Partitioner, type PartitionerFactory, type PartitionerMessage } from "./partitioner.js";
import { BATCH_OVERHEAD_BYTES, estimateRecordBytes, partitionKey, RecordAccumulator, sequenceGroup, type BatchResult, type ProducerBatch } from "./record-accumulator.js";
import { retryDelayMs, withRetry, type RetryOptions } from "./retry.js";
import { sleepOn, type TimerHandle, type Timers } from "./timers.js";
import type { BrokerConnection } from "./broker-connection.js";
import type { ProduceResponseWire } from "./wire.js";

export type Acks = -1 | 0 | 1;
export type Compression = Extract<CompressionType, "none" | "gzip" | "lz4">;

export interface ProducerConfig {
  /** Kafka acks: -1 all in-sync replicas (default), 1 the leader, 0 none. */
  acks?: Acks;
  /** Kafka compression.type: none (default), gzip or lz4. */
  compression?: Compression;
  /** Kafka linger.ms (default 5). */
  lingerMs?: number;
  /** Kafka batch.size in bytes (default 16384). */
  batchSize?: number;
  /** Kafka buffer.memory in bytes (default 32 MiB): send() waits when records in flight exceed it. */
  bufferMemory?: number;
  /** Kafka max.block.ms (default 60000): how long send() may wait for buffer.memory. */
  maxBlockMs?: number;
  /** Kafka delivery.timeout.ms (default 120000): a record fails if not acknowledged within it. */
  deliveryTimeoutMs?: number;
  /** Kafka max.request.size (default 1 MiB): a larger record is refused with MESSAGE_TOO_LARGE. */
  maxRequestSize?: number;
  /** Backoff between retries; retries are bounded by deliveryTimeoutMs (default retries: unlimited). */
  retry?: Partial<RetryOptions>;
  createPartitioner?: PartitionerFactory;
  /**
   * Kafka enable.idempotence: retries never write a record twice. As in Kafka ≥ 3.0 it is on by
   * default when acks is -1 (all); true with other acks is refused, false switches it off.
   */
  idempotent?: boolean;
}

export interface Message extends PartitionerMessage {
  headers?: Record<string, Buffer | string | null>;
  /** Milliseconds since the epoch, as a number or a decimal string (KafkaJS). */
  timestamp?: number | string;
}

export interface ProducerRecord {
  topic: string;
  messages: Message[];
  acks?: Acks;
  compression?: Compression;
}

/** KafkaJS's RecordMetadata: one per topic-partition a send() wrote to. */
export interface RecordMetadata {
  topicName: string;
  partition: number;
  errorCode: number;
  /** The offset of this send's first record in the partition ("-1" with acks=0). */
  baseOffset: string;
  logAppendTime: string;
  logStartOffset: string;
}

export interface ProducerEnvironment {
  clock: Clock;
  random: Random;
  timers: Timers;
  logger: Logger;
  requestTimeoutMs: number;
}

/** The producer's settled defaults (Kafka's names in comments). */
export interface ResolvedProducerConfig {
  acks: Acks;
  compression: Compression;
  lingerMs: number;
  batchSize: number;
  bufferMemory: number;
  maxBlockMs: number;
  deliveryTimeoutMs: number;
  maxRequestSize: number;
  retry: RetryOptions;
  idempotent: boolean;
  /** Asked for, not defaulted: then a send with other acks is refused instead of sent plainly. */
  idempotenceExplicit: boolean;
}

/** Kafka's producer defaults; retries are unlimited within delivery.timeout.ms, backoff 100 ms → 1 s. */
export function resolveProducerConfig(c: ProducerConfig): ResolvedProducerConfig {
  const acks = c.acks ?? -1;
  if (![-1, 0, 1].includes(acks)) throw new TypeError(`acks must be -1, 0 or 1, got ${acks}`);
  if (c.idempotent === true && acks !== -1) throw new TypeError("an idempotent producer needs acks -1 (all): otherwise idempotence cannot be guaranteed (Kafka's rule)");
  const compression = c.compression ?? "none";
  if (!["none", "gzip", "lz4"].includes(compression)) throw new TypeError(`compression must be none, gzip or lz4, got ${compression}`);
  return {
    acks,
    compression,
    lingerMs: c.lingerMs ?? 5,
    batchSize: c.batchSize ?? 16_384,
    bufferMemory: c.bufferMemory ?? 32 * 1024 * 1024,
    maxBlockMs: c.maxBlockMs ?? 60_000,
    deliveryTimeoutMs: c.deliveryTimeoutMs ?? 120_000,
    maxRequestSize: c.maxRequestSize ?? 1024 * 1024,
    retry: { maxRetryTime: 1_000, initialRetryTime: 100, factor: 0.2, multiplier: 2, retries: Number.MAX_SAFE_INTEGER, ...c.retry },
    idempotent: c.idempotent ?? acks === -1,
    idempotenceExplicit: c.idempotent === true,
  };
}

/** How long the sender waits before asking for metadata again when a leader is unknown (Kafka retry.backoff.ms). */
const METADATA_BACKOFF_MS = 100;

export class Producer {
  private readonly config: ResolvedProducerConfig;
  private readonly accumulator: RecordAccumulator;
  private readonly partitioner: Partitioner;
  /** Partitions with a batch in flight (muted: Kafka's guaranteeMessageOrder). */
  private readonly inflight = new Set<string>();
  private readonly memoryWaiters: Array<() => void> = [];
  private readonly flushWaiters: Array<() => void> = [];
  private timer: TimerHandle | null = null;
  private timerDueMs = Number.POSITIVE_INFINITY;
  private runQueued = false;
  private connected = false;
  private readonly metadataWanted = new Set<string>();
  private metadataBackoffUntilMs = 0;
  /** Idempotence: the producer id and epoch (undefined while one is being fetched) and per-partition next sequences. */
  private producerId: { id: bigint; epoch: number } | undefined;
  private producerIdRequest: Promise<void> | undefined;
  private readonly sequences = new Map<string, number>();

  constructor(
    private readonly cluster: Cluster,
    config: ProducerConfig,
    private readonly env: ProducerEnvironment,
    private readonly onDisconnect: () => void = () => {},
  ) {
    this.config = resolveProducerConfig(config);
    this.accumulator = new RecordAccumulator({ batchSizeBytes: this.config.batchSize, lingerMs: this.config.lingerMs, bufferMemoryBytes: this.config.bufferMemory });
    this.partitioner = config.createPartitioner ? config.createPartitioner() : createDefaultPartitioner(env.random, this.config.batchSize);
  }

  async connect(): Promise<void> {
    await this.cluster.refresh([]);
    if (this.config.idempotent) await this.fetchProducerId();
    this.connected = true;
  }

  /** Kafka InitProducerId through any broker, retried; resets every partition's sequence to 0. */
  private fetchProducerId(): Promise<void> {
    this.producerIdRequest ??= (async () => {
      let turn = 0;
      const res = await withRetry(
        async () => {
          const candidates = this.cluster.candidateConnections();
          const answer = await candidates[turn++ % candidates.length]!.initProducerId(this.env.requestTimeoutMs);
          if (answer.errorCode !== 0) throw new ReplogProtocolError(answer.errorCode, answer.errorMessage);
          return answer;
        },
        this.config.retry,
        { random: this.env.random, clock: this.env.clock, sleep: (ms) => sleepOn(this.env.timers, ms) },
      );
      this.producerId = { id: BigInt(res.producerId), epoch: res.producerEpoch };
      this.sequences.clear();
      this.env.logger.debug({ producerId: String(this.producerId.id), producerEpoch: this.producerId.epoch }, "idempotent producer id");
    })().finally(() => {
      this.producerIdRequest = undefined;
      this.wakeUp(0);
    });
    return this.producerIdRequest;
  }

  readonly events = Object.freeze({ LEADER_CHANGE: "producer.leader_change" as const });

  /**
   * KafkaJS-style instrumentation: `producer.leader_change` fires with
   * `{ topic, partition, oldLeader, newLeader, leaderEpoch }` when a partition's leader moves.
   * Returns a function that removes the listener.
   */
  on(event: "producer.leader_change", listener: (e: { type: "producer.leader_change"; timestamp: number; payload: LeaderChange }) => void): () => void {
    if (event !== this.events.LEADER_CHANGE) throw new TypeError(`unknown producer event ${String(event)}`);
    return this.cluster.onLeaderChange((payload) => listener({ type: event, timestamp: this.env.clock.wallMs(), payload }));
  }

  /** KafkaJS `isIdempotent()`. */
  isIdempotent(): boolean {
    return this.config.idempotent;
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.sendBatch({ topicMessages: [record], acks: record.acks, compression: record.compression });
  }

  async sendBatch(args: { topicMessages: ProducerRecord[]; acks?: Acks; compression?: Compression }): Promise<RecordMetadata[]> {
    if (!this.connected) throw new ReplogNotConnected("producer");
    const topics = [...new Set(args.topicMessages.map((t) => t.topic))];
    await this.cluster.ensureTopics(topics);
    const appended: Array<{ topic: string; partition: number; batch: ProducerBatch; index: number }> = [];
    for (const tm of args.topicMessages) {
      const acks = tm.acks ?? args.acks ?? this.config.acks;
      if (this.config.idempotenceExplicit && acks !== -1) throw new TypeError(`an idempotent producer sends with acks -1 (all), not ${acks}`);
      const compression = tm.compression ?? args.compression ?? this.config.compression;
      for (const m of tm.messages) appended.push(await this.appendOne(tm.topic, m, acks, compression));
    }
    return this.collect(appended);
  }

  private async appendOne(topic: string, m: Message, acks: Acks, compression: Compression) {
    const info = this.cluster.topic(topic)!;
    const partitionMetadata = info.partitions.map((p) => ({ partitionId: p.partitionId, leader: p.leader }));
    const partition = this.partitioner({ topic, partitionMetadata, message: m });
    if (!Number.isInteger(partition) || partition < 0 || partition >= info.partitions.length) {
      throw new ReplogError("UNKNOWN_TOPIC_OR_PARTITION", `partition ${partition} does not exist in ${topic} (${info.partitions.length} partitions)`, { retriable: false });
    }
    const key = toBuffer(m.key);
    const value = toBuffer(m.value);
    const headers: RecordHeader[] = Object.entries(m.headers ?? {}).map(([k, v]) => ({ key: k, value: toBuffer(v) }));
    const size = estimateRecordBytes(key, value, headers);
    if (size + BATCH_OVERHEAD_BYTES > this.config.maxRequestSize || size > this.config.bufferMemory) {
      throw new ReplogError("MESSAGE_TOO_LARGE", `a record of about ${size} bytes is larger than max.request.size or buffer.memory`);
    }
    // Check and reserve in one synchronous step (no await between them); wait only when full.
    if (this.accumulator.hasRoomFor(size)) this.accumulator.reserve(size);
    else await this.waitForMemory(size);
    const timestamp = m.timestamp === undefined ? this.env.clock.wallMs() : Number(m.timestamp);
    const { batch, index } = this.accumulator.append(topic, partition, { key, value, headers, timestamp }, acks, compression, this.env.clock.nowMs());
    this.wakeUp(batch.closed ? 0 : this.config.lingerMs);
    return { topic, partition, batch, index };
  }

  /** Kafka buffer.memory back-pressure: wait until answered batches free room, up to max.block.ms; then reserve it. */
  private async waitForMemory(size: number): Promise<void> {
    const deadline = this.env.clock.nowMs() + this.config.maxBlockMs;
    while (!this.accumulator.hasRoomFor(size)) {
      const left = deadline - this.env.clock.nowMs();
      if (left <= 0) throw new ReplogError("REQUEST_TIMED_OUT", `failed to allocate ${size} bytes of buffer.memory within max.block.ms (${this.config.maxBlockMs} ms)`, { retriable: false });
      this.wakeUp(0);
      await new Promise<void>((resolve) => {
        const t = this.env.timers.setTimeout(resolve, left);
        this.memoryWaiters.push(() => {
          this.env.timers.clearTimeout(t);
          resolve();
        });
      });
    }
    this.accumulator.reserve(size);
  }

  private async collect(appended: Array<{ topic: string; partition: number; batch: ProducerBatch; index: number }>): Promise<RecordMetadata[]> {
    const results = await Promise.all(appended.map((a) => a.batch.done));
    const out = new Map<string, RecordMetadata>();
    appended.forEach((a, i) => {
      const key = partitionKey(a.topic, a.partition);
      if (out.has(key)) return;
      const r = results[i]!;
      out.set(key, {
        topicName: a.topic,
        partition: a.partition,
        errorCode: 0,
        baseOffset: String(r.baseOffset < 0 ? -1 : r.baseOffset + a.index),
        logAppendTime: String(r.logAppendTime),
        logStartOffset: String(r.logStartOffset),
      });
    });
    return [...out.values()];
  }

  /** Waits until every record appended so far is answered (Kafka flush()). */
  async flush(): Promise<void> {
    this.accumulator.beginFlush();
    try {
      while (this.accumulator.queuedBatches > 0 || this.inflight.size > 0) {
        this.wakeUp(0);
        await new Promise<void>((resolve) => this.flushWaiters.push(resolve));
      }
    } finally {
      this.accumulator.endFlush();
    }
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    await this.flush();
    this.connected = false;
    if (this.timer !== null) this.env.timers.clearTimeout(this.timer);
    this.timer = null;
    this.onDisconnect();
  }

  /** Schedules the sender to run in `delayMs` (or sooner if already due). */
  private wakeUp(delayMs: number): void {
    if (delayMs <= 0) {
      if (this.runQueued) return;
      this.runQueued = true;
      queueMicrotask(() => {
        this.runQueued = false;
        this.run();
      });
      return;
    }
    const due = this.env.clock.nowMs() + delayMs;
    if (this.timer !== null && this.timerDueMs <= due) return;
    if (this.timer !== null) this.env.timers.clearTimeout(this.timer);
    this.timerDueMs = due;
    this.timer = this.env.timers.setTimeout(() => {
      this.timer = null;
      this.timerDueMs = Number.POSITIVE_INFINITY;
      this.run();
    }, delayMs);
  }

  /** One pass of the sender: expire, drain and send what is ready; arm the timer for the rest. */
  private run(): void {
    const now = this.env.clock.nowMs();
    this.expireStuckBatches(now);
    const { ready, nextCheckMs } = this.accumulator.ready(now, (k) => this.inflight.has(k), this.memoryWaiters.length > 0);
    const groups = new Map<string, { connection: BrokerConnection; acks: number; partitions: ProducerBatch[][] }>();
    for (const key of ready) {
      const [topic, p] = key.split("\0") as [string, string];
      const leader = this.cluster.leaderConnection(topic, Number(p));
      if (!leader) {
        this.metadataWanted.add(topic);
        continue;
      }
      const batches = this.config.idempotent ? this.drainSequenced(key) : this.accumulator.drainUpTo(key, this.config.maxRequestSize);
      if (batches.length === 0) continue;
      this.inflight.add(key);
      const groupKey = `${leader.connection.address}/${batches[0]!.acks}`;
      let g = groups.get(groupKey);
      if (!g) groups.set(groupKey, (g = { connection: leader.connection, acks: batches[0]!.acks, partitions: [] }));
      g.partitions.push(batches);
    }
    for (const g of groups.values()) void this.sendGroup(g.connection, g.acks, g.partitions);
    if (this.metadataWanted.size > 0) this.refreshMetadata(now);
    if (nextCheckMs !== undefined) this.wakeUp(Math.max(1, nextCheckMs - now));
    this.notifyFlushWaiters();
  }

  /**
   * An idempotent producer's drain: a group already sent goes again as it was; otherwise the
   * partition's queued batches (same acks and compression, up to max.request.size) become one
   * sequenced group with the partition's next sequence. Nothing while no producer id is known.
   */
  private drainSequenced(key: string): ProducerBatch[] {
    const head = this.accumulator.head(key)!;
    if (head.sequenced) {
      const members = this.accumulator.drainUpTo(key, Number.POSITIVE_INFINITY, head.sequenced.members.length);
      assert(members.every((b, i) => b === head.sequenced!.members[i]), "a retried idempotent group must go again with the same members");
      return members;
    }
    // Idempotence by default covers acks=all sends; another acks (per send) goes without it.
    if (head.acks !== -1) return this.accumulator.drainUpTo(key, this.config.maxRequestSize);
    if (!this.producerId) {
      void this.fetchProducerId().catch((e: Error) => this.env.logger.warn({ err: e.message }, "no producer id yet; will ask again"));
      return [];
    }
    const members = this.accumulator.drainUpTo(key, this.config.maxRequestSize, Number.POSITIVE_INFINITY, (b, h) => b.compression === h.compression && !b.sequenced);
    const baseSequence = this.sequences.get(key) ?? 0;
    sequenceGroup(members, { producerId: this.producerId.id, producerEpoch: this.producerId.epoch, baseSequence });
    this.sequences.set(key, (baseSequence + members.reduce((n, b) => n + b.recordCount, 0)) % 2_147_483_648);
    return members;
  }

  private refreshMetadata(now: number): void {
    if (now < this.metadataBackoffUntilMs) {
      this.wakeUp(this.metadataBackoffUntilMs - now);
      return;
    }
    const topics = [...this.metadataWanted];
    this.metadataWanted.clear();
    this.metadataBackoffUntilMs = now + METADATA_BACKOFF_MS;
    void this.cluster.refreshSoon(topics).then(() => this.wakeUp(0));
  }

  /** Fails queued batches whose delivery.timeout.ms passed while no leader could take them. */
  private expireStuckBatches(now: number): void {
    for (const head of this.accumulator.heads()) {
      const key = partitionKey(head.topic, head.partition);
      if (this.inflight.has(key) || now - head.createdMs < this.config.deliveryTimeoutMs) continue;
      // A sequenced group expires whole: its members share one wire batch.
      const expired = this.accumulator.drainUpTo(key, Number.POSITIVE_INFINITY, head.sequenced?.members.length ?? 1);
      for (const b of expired) this.finish(b, new ReplogRetriesExhausted(`expiring ${b.recordCount} record(s) for ${b.topic}-${b.partition}: ${now - b.createdMs} ms has passed since batch creation`, new ReplogError("REQUEST_TIMED_OUT", "no leader answered")));
    }
  }

  /** One ProduceRequest to one leader: per partition, its drained batches concatenated in order. */
  private async sendGroup(connection: BrokerConnection, acks: number, partitions: ProducerBatch[][]): Promise<void> {
    const byTopic = new Map<string, Array<{ index: number; records: Buffer }>>();
    for (const batches of partitions) {
      const { topic, partition } = batches[0]!;
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      const records = batches[0]!.sequenced ? batches[0]!.sequenced.bytes : batches.length === 1 ? batches[0]!.bytes() : Buffer.concat(batches.map((b) => b.bytes()));
      list.push({ index: partition, records });
    }
    const topics = [...byTopic].map(([name, list]) => ({ name, partitions: list }));
    let res: ProduceResponseWire | undefined;
    try {
      // The local deadline leaves the broker time to answer REQUEST_TIMED_OUT itself first.
      res = await connection.produce({ acks, timeoutMs: this.env.requestTimeoutMs, topics }, this.env.requestTimeoutMs + 1_000);
    } catch (e) {
      for (const batches of partitions) this.failPartition(batches, asReplogError(e));
      return;
    } finally {
      for (const batches of partitions) this.inflight.delete(partitionKey(batches[0]!.topic, batches[0]!.partition));
      this.wakeUp(0);
    }
    for (const batches of partitions) this.handleAnswer(batches, res);
  }

  private handleAnswer(batches: ProducerBatch[], res: ProduceResponseWire | undefined): void {
    const { topic, partition } = batches[0]!;
    if (res === undefined) {
      // acks=0: nothing comes back; offsets are unknown (Kafka reports -1).
      for (const b of batches) this.finish(b, { baseOffset: -1, logAppendTime: -1, logStartOffset: -1 });
      return;
    }
    const p = res.topics.find((t) => t.name === topic)?.partitions.find((x) => x.index === partition);
    if (!p) {
      this.failPartition(batches, new ReplogError("NETWORK_EXCEPTION", `no answer for ${topic}-${partition} in the produce response`));
      return;
    }
    if (p.errorCode !== 0) {
      this.failPartition(batches, new ReplogProtocolError(p.errorCode, p.errorMessage, topic, partition));
      return;
    }
    // The leader appended the concatenated batches at once: their offsets follow each other.
    let baseOffset = Number(p.baseOffset);
    for (const b of batches) {
      this.finish(b, { baseOffset, logAppendTime: Number(p.logAppendTimeMs), logStartOffset: Number(p.logStartOffset) });
      baseOffset += b.recordCount;
    }
  }

  /** Fails or requeues a partition's batches; last first, so that they return to the head in order. */
  private failPartition(batches: ProducerBatch[], error: ReplogError): void {
    for (let i = batches.length - 1; i >= 0; i--) this.handleFailure(batches[i]!, error);
  }

  /** Retry at the head of the partition with backoff, or fail the batch for good. */
  private handleFailure(batch: ProducerBatch, error: ReplogError): void {
    const now = this.env.clock.nowMs();
    const delay = retryDelayMs(batch.attempts, this.config.retry, this.env.random);
    const withinTimeout = now + delay - batch.createdMs < this.config.deliveryTimeoutMs;
    if (needsMetadataRefresh(error)) this.metadataWanted.add(batch.topic);
    if (error.retriable && batch.attempts < this.config.retry.retries && withinTimeout) {
      this.env.logger.debug({ topic: batch.topic, partition: batch.partition, error: error.type, attempt: batch.attempts + 1, delayMs: delay }, "retrying produce");
      this.accumulator.reenqueue(batch, now + delay);
      this.wakeUp(delay);
      return;
    }
    this.finish(batch, error.retriable ? new ReplogRetriesExhausted(error.message, error) : error);
  }

  private finish(batch: ProducerBatch, outcome: BatchResult | Error): void {
    this.accumulator.release(batch);
    // A stamped batch that failed for good leaves a gap in its partition's sequence: start afresh
    // with a new producer id (batches already stamped keep the old one, which stays valid).
    if (outcome instanceof Error && batch.sequenced && this.producerId?.id === batch.sequenced.producerId) {
      this.env.logger.warn({ topic: batch.topic, partition: batch.partition, err: outcome.message }, "an idempotent batch failed; taking a new producer id");
      this.producerId = undefined;
    }
    if (outcome instanceof Error) batch.fail(outcome);
    else batch.complete(outcome);
    for (const w of this.memoryWaiters.splice(0)) w();
    this.notifyFlushWaiters();
  }

  private notifyFlushWaiters(): void {
    if (this.accumulator.queuedBatches === 0 && this.inflight.size === 0) for (const w of this.flushWaiters.splice(0)) w();
  }
}
