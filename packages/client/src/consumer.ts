// The consumer, KafkaJS-shaped, with manual assignment only (no groups yet): `assign`, `seek`,
// `pause`/`resume`, then either `run({ eachMessage | eachBatch })` (a background loop, as in
// KafkaJS) or `poll()` (one fetch round, as Java's poll). Batches carry the partition's high
// watermark, and `offsetLag()`, so lag is visible per partition (`lag()` lists it for all).
import type { Logger } from "@replog/common";
import type { Cluster, LeaderChange } from "./cluster.js";
import { asReplogError, ReplogError, ReplogNotConnected } from "./errors.js";
import { Fetcher, type FetchedBatch, type KafkaMessage, type OffsetResetPolicy } from "./fetcher.js";
import { sleepOn, type Timers } from "./timers.js";

export interface ConsumerConfig {
  /** Ignored for now: only manual assignment exists (kept for KafkaJS compatibility). */
  groupId?: string;
  /** Kafka fetch.min.bytes (default 1). */
  minBytes?: number;
  /** Kafka fetch.max.bytes (default 50 MiB). */
  maxBytes?: number;
  /** Kafka max.partition.fetch.bytes (default 1 MiB). */
  maxBytesPerPartition?: number;
  /** Kafka fetch.max.wait.ms (default 500). */
  maxWaitTimeInMs?: number;
  /** Kafka auto.offset.reset (default latest). */
  autoOffsetReset?: OffsetResetPolicy;
  /** Shortcut for autoOffsetReset: "earliest" (KafkaJS `fromBeginning`). */
  fromBeginning?: boolean;
}

export interface Batch extends FetchedBatch {
  isEmpty(): boolean;
  firstOffset(): string | null;
  lastOffset(): string;
  /** High watermark minus the offset after this batch. */
  offsetLag(): string;
  /** High watermark minus this batch's first offset. */
  offsetLagLow(): string;
}

export interface EachMessagePayload {
  topic: string;
  partition: number;
  message: KafkaMessage;
  heartbeat(): Promise<void>;
  pause(): () => void;
}

export interface EachBatchPayload {
  batch: Batch;
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  pause(): () => void;
  isRunning(): boolean;
  isStale(): boolean;
}

export interface RunConfig {
  eachMessage?: (payload: EachMessagePayload) => Promise<void>;
  eachBatch?: (payload: EachBatchPayload) => Promise<void>;
}

export interface TopicPartitions {
  topic: string;
  partitions?: number[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  position: string | null;
  highWatermark: string;
  logStartOffset: string;
  /** highWatermark - position, or null before the first answer. */
  lag: string | null;
}

export type CrashListener = (event: { type: "consumer.crash"; payload: { error: ReplogError } }) => void;

/** Pause after a round that could send nothing or failed (Kafka retry.backoff.ms), so a dead cluster is not a busy loop. */
const IDLE_BACKOFF_MS = 100;

export function toBatch(b: FetchedBatch): Batch {
  const hw = BigInt(b.highWatermark);
  const first = b.messages[0]?.offset ?? null;
  const last = b.messages.length > 0 ? b.messages[b.messages.length - 1]!.offset : String(hw - 1n);
  return {
    ...b,
    isEmpty: () => b.messages.length === 0,
    firstOffset: () => first,
    lastOffset: () => last,
    offsetLag: () => String(hw - 1n - BigInt(last) < 0n ? 0n : hw - 1n - BigInt(last)),
    offsetLagLow: () => String(first === null ? 0n : hw - BigInt(first)),
  };
}

export class Consumer {
  private readonly fetcher: Fetcher;
  private connected = false;
  private running: Promise<void> | null = null;
  private stopping = false;
  private readonly crashListeners: CrashListener[] = [];
  readonly events = Object.freeze({ CRASH: "consumer.crash" as const, LEADER_CHANGE: "consumer.leader_change" as const });

  constructor(
    private readonly cluster: Cluster,
    config: ConsumerConfig,
    private readonly timers: Timers,
    private readonly logger: Logger,
    requestTimeoutMs: number,
    private readonly onDisconnect: () => void = () => {},
  ) {
    this.fetcher = new Fetcher(
      cluster,
      {
        minBytes: config.minBytes ?? 1,
        maxBytes: config.maxBytes ?? 50 * 1024 * 1024,
        maxBytesPerPartition: config.maxBytesPerPartition ?? 1024 * 1024,
        maxWaitTimeInMs: config.maxWaitTimeInMs ?? 500,
        autoOffsetReset: config.autoOffsetReset ?? (config.fromBeginning ? "earliest" : "latest"),
        requestTimeoutMs,
      },
      logger,
    );
  }

  async connect(): Promise<void> {
    await this.cluster.refresh([]);
    this.connected = true;
  }

  /** Manual assignment (Java's `assign`). Without `partitions`, every partition of the topic. */
  async assign(list: readonly TopicPartitions[]): Promise<void> {
    await this.cluster.ensureTopics(list.filter((t) => !t.partitions).map((t) => t.topic));
    const tps = list.flatMap((t) => (t.partitions ?? this.cluster.topic(t.topic)!.partitions.map((p) => p.partitionId)).map((partition) => ({ topic: t.topic, partition })));
    this.fetcher.assign(tps);
  }

  assignment(): Array<{ topic: string; partition: number }> {
    return [...this.fetcher.partitions.values()].map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** KafkaJS seek: the next message handed out for the partition is at `offset` ("-2" earliest, "-1" latest). */
  seek({ topic, partition, offset }: { topic: string; partition: number; offset: string | number }): void {
    this.fetcher.seek(topic, partition, Number(offset));
  }

  pause(list: readonly TopicPartitions[]): void {
    this.setPaused(list, true);
  }

  resume(list: readonly TopicPartitions[]): void {
    this.setPaused(list, false);
  }

  paused(): Array<{ topic: string; partitions: number[] }> {
    const byTopic = new Map<string, number[]>();
    for (const s of this.fetcher.partitions.values()) if (s.paused) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s.partition]);
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  private setPaused(list: readonly TopicPartitions[], paused: boolean): void {
    for (const t of list) for (const s of this.fetcher.partitions.values()) if (s.topic === t.topic && (!t.partitions || t.partitions.includes(s.partition))) s.paused = paused;
  }

  /** Position, high watermark and lag of every assigned partition. */
  lag(): PartitionLag[] {
    return [...this.fetcher.partitions.values()].map((s) => ({
      topic: s.topic,
      partition: s.partition,
      position: s.position === undefined ? null : String(s.position),
      highWatermark: String(s.highWatermark),
      logStartOffset: String(s.logStartOffset),
      lag: s.position === undefined || s.highWatermark < 0 ? null : String(Math.max(0, s.highWatermark - s.position)),
    }));
  }

  /** One fetch round (long-polls up to fetch.max.wait.ms); batches may be empty. */
  async poll(): Promise<Batch[]> {
    if (!this.connected) throw new ReplogNotConnected("consumer");
    const batches = await this.fetcher.fetchRound();
    if (this.fetcher.backoffNeeded) await sleepOn(this.timers, IDLE_BACKOFF_MS);
    return batches.map(toBatch);
  }

  /**
   * KafkaJS-style instrumentation: `consumer.crash` (the run loop stopped on a non-retriable
   * error) and `consumer.leader_change` (`{ topic, partition, oldLeader, newLeader, leaderEpoch }`).
   */
  on(event: "consumer.crash", listener: CrashListener): () => void;
  on(event: "consumer.leader_change", listener: (e: { type: "consumer.leader_change"; timestamp: number; payload: LeaderChange }) => void): () => void;
  on(event: string, listener: (e: never) => void): () => void {
    if (event === this.events.LEADER_CHANGE) {
      return this.cluster.onLeaderChange((payload) => (listener as (e: unknown) => void)({ type: event, timestamp: Date.now(), payload }));
    }
    if (event !== this.events.CRASH) throw new TypeError(`unknown consumer event ${String(event)}`);
    const l = listener as CrashListener;
    this.crashListeners.push(l);
    return () => this.crashListeners.splice(this.crashListeners.indexOf(l), 1);
  }

  /** Starts the background loop (resolves once started, as KafkaJS's run). */
  async run(config: RunConfig): Promise<void> {
    if (!this.connected) throw new ReplogNotConnected("consumer");
    if (this.running) throw new ReplogError("INVALID_REQUEST", "consumer is already running", { retriable: false });
    if (!config.eachMessage === !config.eachBatch) throw new TypeError("run needs exactly one of eachMessage or eachBatch");
    this.stopping = false;
    this.running = this.loop(config).finally(() => {
      this.running = null;
    });
  }

  private async loop(config: RunConfig): Promise<void> {
    while (!this.stopping) {
      let batches: Batch[];
      try {
        batches = await this.poll();
      } catch (e) {
        const error = asReplogError(e);
        this.logger.error({ error: error.message, type: error.type }, "consumer crashed");
        for (const l of this.crashListeners) l({ type: "consumer.crash", payload: { error } });
        return;
      }
      for (const batch of batches) {
        if (this.stopping) return;
        if (!(await this.deliver(batch, config))) break;
      }
    }
  }

  /** Hands a batch to the user's handler; on a throw, seeks back to the failed message (KafkaJS retries it). */
  private async deliver(batch: Batch, config: RunConfig): Promise<boolean> {
    const { topic, partition } = batch;
    const pause = () => {
      this.pause([{ topic, partitions: [partition] }]);
      return () => this.resume([{ topic, partitions: [partition] }]);
    };
    const heartbeat = async () => {};
    let resolved: string | null = null;
    try {
      if (config.eachBatch) {
        await config.eachBatch({ batch, heartbeat, pause, resolveOffset: (o) => (resolved = o), isRunning: () => !this.stopping, isStale: () => false });
        return true;
      }
      for (const message of batch.messages) {
        // Stopped, or paused by the handler: the rest of the batch is fetched again later.
        if (this.stopping || this.fetcher.partitions.get(`${topic}\0${partition}`)?.paused) {
          this.seek({ topic, partition, offset: message.offset });
          return !this.stopping;
        }
        await config.eachMessage!({ topic, partition, message, heartbeat, pause });
        resolved = message.offset;
      }
      return true;
    } catch (e) {
      const retry = resolved === null ? batch.firstOffset() : String(BigInt(resolved) + 1n);
      if (retry !== null) this.seek({ topic, partition, offset: retry });
      this.logger.error({ topic, partition, offset: retry, error: (e as Error).message }, "message handler failed; retrying from its offset");
      await sleepOn(this.timers, IDLE_BACKOFF_MS);
      return false;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  async disconnect(): Promise<void> {
    await this.stop();
    this.connected = false;
    this.onDisconnect();
  }
}
