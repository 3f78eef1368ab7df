// The broker's partitions (Kafka ReplicaManager): which replicas this broker hosts and in which
// role, as the metadata log says. On every metadata change it makes partitions leaders or followers
// (in the order of the log), creates logs for new replicas and deletes those that moved away. A
// timer drives each leader's ISR-shrink check and acks=all timeouts; another writes the high
// watermarks to `replication-offset-checkpoint` every replica.high.watermark.checkpoint.interval.ms.

import type { BrokerEpoch, Clock, Logger, NodeId, ServerConfig } from "@replog/common";
import { staticTopicDefaults } from "@replog/common";
import { effectiveTopicConfig, type MetadataImage } from "@replog/metadata";
import { LogDirectory, logConfig, type Log } from "@replog/storage";
import type { AlterPartitionRequest, BrokerStatusView, LeaderAndIsr } from "../../core/index.js";
import { Partition, type PartitionEnv } from "./partition.js";

export interface ReplicaManagerOptions {
  readonly brokerId: NodeId;
  readonly brokerEpoch: () => BrokerEpoch;
  readonly config: ServerConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sendAlterPartition: (partition: Partition, request: AlterPartitionRequest) => void;
  readonly onIsrChange?: (kind: "shrink" | "expand", partition: Partition) => void;
}

const TICK_MS = 100;

export class ReplicaManager {
  readonly partitions = new Map<string, Partition>();
  private readonly logDir: LogDirectory;
  private image: MetadataImage | undefined;
  private checkpointedHw = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private applying: Promise<void> = Promise.resolve();
  private readonly env: PartitionEnv;
  /** Called after a metadata change was applied (the fetcher manager regroups followers). */
  onPartitionsChanged: () => void = () => {};

  constructor(private readonly o: ReplicaManagerOptions) {
    this.logDir = new LogDirectory(o.config.logDirs[0]!, { clock: o.clock, logger: o.logger.child({ component: "log" }) });
    const brokers: BrokerStatusView = {
      brokerStatus: (id) => {
        const b = this.image?.cluster.brokers.get(id);
        return b ? { brokerEpoch: b.brokerEpoch, fenced: b.fenced, inControlledShutdown: b.inControlledShutdown } : undefined;
      },
    };
    this.env = {
      brokerId: o.brokerId,
      brokerEpoch: o.brokerEpoch,
      brokers,
      replicaLagTimeMaxMs: o.config.replicaLagTimeMaxMs,
      clock: o.clock,
      logger: o.logger,
      sendAlterPartition: o.sendAlterPartition,
      onIsrChange: (kind, p) => o.onIsrChange?.(kind, p),
    };
  }

  async start(): Promise<void> {
    await this.logDir.loadLogs(() => this.logConfigFor(undefined));
    for (const e of await this.logDir.highWatermarks.read()) this.checkpointedHw.set(`${e.topic}-${e.partition}`, e.offset);
    this.timers.push(setInterval(() => this.tick(), TICK_MS));
    this.timers.push(setInterval(() => void this.checkpointHighWatermarks(), this.o.config.replicaHighWatermarkCheckpointIntervalMs));
    // Kafka log.flush.offset.checkpoint.interval.ms (60 s): recovery points and log start offsets.
    this.timers.push(setInterval(() => void this.logDir.checkpoint().catch(() => undefined), 60_000));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.applying;
    for (const p of this.partitions.values()) p.stopServing("broker shutting down");
    await Promise.all([...this.partitions.values()].map((p) => p.serial(() => undefined)));
    await this.checkpointHighWatermarks();
    // Flushes and closes every log, writes the offset checkpoints and the clean-shutdown marker.
    await this.logDir.close();
  }

  get(topic: string, index: number): Partition | undefined {
    return this.partitions.get(`${topic}-${index}`);
  }

  /** Applies a new metadata image; changes are applied in log order, one image after another. */
  applyImage(image: MetadataImage): Promise<void> {
    this.applying = this.applying.then(() => this.apply(image)).catch((e: Error) => this.o.logger.error({ err: e.message }, "applying metadata to partitions failed"));
    return this.applying;
  }

  private async apply(image: MetadataImage): Promise<void> {
    this.image = image;
    const hosted = new Set<string>();
    for (const name of image.topics.topicNames()) {
      const topic = image.topics.topicByName(name)!;
      const raw = this.rawTopicConfig(image, name);
      const minIsr = effectiveTopicConfig(image.configs.topicConfigs(name), image.configs.configs({ type: "BROKER", name: "" }), staticTopicDefaults(this.o.config)).minInsyncReplicas;
      for (const [index, reg] of topic.partitions) {
        if (!reg.replicas.includes(this.o.brokerId)) continue;
        const key = `${name}-${index}`;
        hosted.add(key);
        let partition = this.partitions.get(key);
        if (!partition) {
          const log = await this.logDir.getOrCreate({ topic: name, partition: index }, this.logConfigFor(raw));
          partition = new Partition(name, topic.id, index, log, this.env, this.checkpointedHw.get(key) ?? 0);
          this.partitions.set(key, partition);
          // Queued first on the partition: every later append and role change sees the loaded state.
          void partition.loadProducerState().catch((e: Error) => this.env.logger.error({ partition: partition!.name, err: e.message }, "could not read the producer state from the log"));
        } else {
          partition.log.updateConfig(this.logConfigFor(raw));
        }
        if (reg.leaderEpoch === partition.leaderEpoch && reg.partitionEpoch === partition.partitionEpoch) {
          partition.leaderCore?.updateMinInsyncReplicas(minIsr);
          continue;
        }
        const state: LeaderAndIsr = { leader: reg.leader, leaderEpoch: reg.leaderEpoch, partitionEpoch: reg.partitionEpoch, replicas: reg.replicas, isr: reg.isr };
        await partition.applyLeaderAndIsr(state, minIsr);
      }
    }
    for (const [key, partition] of this.partitions) {
      if (hosted.has(key)) continue;
      partition.stopServing("this broker is no longer a replica");
      this.partitions.delete(key);
      await partition.serial(() => this.logDir.delete({ topic: partition.topic, partition: partition.index }));
      this.o.logger.info({ partition: key }, `deleted the local replica of ${key}`);
    }
    this.onPartitionsChanged();
  }

  private rawTopicConfig(image: MetadataImage, topic: string): Record<string, string> {
    return { ...staticTopicDefaults(this.o.config), ...Object.fromEntries(image.configs.topicConfigs(topic)) };
  }

  private logConfigFor(raw: Record<string, string> | undefined): Log["config"] {
    const source = raw ?? staticTopicDefaults(this.o.config);
    const keys = ["segment.bytes", "segment.ms", "retention.ms", "retention.bytes", "max.message.bytes", "cleanup.policy", "delete.retention.ms", "min.cleanable.dirty.ratio", "file.delete.delay.ms", "flush.messages", "flush.ms", "message.timestamp.type", "segment.index.bytes", "index.interval.bytes"];
    const picked = Object.fromEntries(Object.entries(source).filter(([k]) => keys.includes(k)));
    // The storage package validates again; a value the controller accepted is valid here too.
    return logConfig(picked);
  }

  private tick(): void {
    const now = this.o.clock.nowMs();
    for (const p of this.partitions.values()) p.tick(now);
  }

  private async checkpointHighWatermarks(): Promise<void> {
    const entries = [...this.partitions.values()].map((p) => ({ topic: p.topic, partition: p.index, offset: p.highWatermark }));
    try {
      await this.logDir.highWatermarks.write(entries);
    } catch (e) {
      this.o.logger.warn({ err: (e as Error).message }, "could not write replication-offset-checkpoint");
    }
  }
}
