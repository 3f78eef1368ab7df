// One log directory of a broker (Kafka: LogManager, per `log.dirs` entry): the partition logs in
// `<topic>-<partition>/` subdirectories and the per-directory checkpoint files that tell a
// restarted broker where each log's recovery point and start offset were, and whether it shut
// down cleanly. `meta.properties` belongs to the `replog storage format` command (cli package).
//
// Who calls it: the broker's replica manager at start-up (loadLogs), on its periodic checkpoint
// task (checkpoint), and at shutdown (close). `replication-offset-checkpoint` (high watermarks)
// is read and written here but owned by the replica manager, as in Kafka.
import { posix } from "node:path";
import { nullLogger, type Clock, type Logger } from "@replog/common";
import type { FileIO } from "./file-io.js";
import { nodeFileIO } from "./node-file-io.js";
import { writeFileAtomically } from "./atomic-file.js";
import { OffsetCheckpointFile, type TopicPartitionOffset } from "./checkpoint-file.js";
import { Log } from "./log.js";
import type { LogConfig } from "./log-config.js";

export const RECOVERY_POINT_CHECKPOINT_FILE = "recovery-point-offset-checkpoint";
export const LOG_START_OFFSET_CHECKPOINT_FILE = "log-start-offset-checkpoint";
export const REPLICATION_OFFSET_CHECKPOINT_FILE = "replication-offset-checkpoint";
export const CLEANER_OFFSET_CHECKPOINT_FILE = "cleaner-offset-checkpoint";
/** Kafka's marker of a clean shutdown: present only between a clean close and the next start. */
export const CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

const key = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

/** `<topic>-<partition>`: the last dash separates them (topic names may contain dashes). */
/** KRaft's metadata topic: its directory is the controllers' and brokers' Raft log, not a partition. */
export const METADATA_TOPIC = "__cluster_metadata";

export function parsePartitionDirName(name: string): TopicPartition | undefined {
  const m = /^(.+)-(\d+)$/.exec(name);
  if (!m || !/^[a-zA-Z0-9._-]+$/.test(m[1]!)) return undefined;
  return { topic: m[1]!, partition: Number(m[2]) };
}

export class LogDirectory {
  private readonly logs = new Map<string, { tp: TopicPartition; log: Log }>();
  private readonly recoveryPoints: OffsetCheckpointFile;
  private readonly logStartOffsets: OffsetCheckpointFile;
  private readonly cleanerOffsets: OffsetCheckpointFile;
  readonly highWatermarks: OffsetCheckpointFile;

  constructor(
    readonly dir: string,
    private readonly deps: { clock: Clock; io?: FileIO; logger?: Logger },
  ) {
    const io = this.io;
    this.recoveryPoints = new OffsetCheckpointFile(io, posix.join(dir, RECOVERY_POINT_CHECKPOINT_FILE));
    this.logStartOffsets = new OffsetCheckpointFile(io, posix.join(dir, LOG_START_OFFSET_CHECKPOINT_FILE));
    this.cleanerOffsets = new OffsetCheckpointFile(io, posix.join(dir, CLEANER_OFFSET_CHECKPOINT_FILE));
    this.highWatermarks = new OffsetCheckpointFile(io, posix.join(dir, REPLICATION_OFFSET_CHECKPOINT_FILE));
  }

  private get io(): FileIO {
    return this.deps.io ?? nodeFileIO;
  }

  /**
   * Opens every partition log found in the directory, recovering as the checkpoints and the
   * clean-shutdown marker say. The marker is removed (durably) before any log is written to.
   */
  async loadLogs(configFor: (topic: string) => LogConfig): Promise<Map<string, Log>> {
    const io = this.io;
    await io.mkdir(this.dir);
    const markerPath = posix.join(this.dir, CLEAN_SHUTDOWN_FILE);
    const hadCleanShutdown = (await io.stat(markerPath)) !== undefined;
    const byKey = (entries: TopicPartitionOffset[]) => new Map(entries.map((e) => [key(e), e.offset]));
    const recovery = byKey(await this.recoveryPoints.read());
    const starts = byKey(await this.logStartOffsets.read());
    const dirty = byKey(await this.cleanerOffsets.read());
    if (hadCleanShutdown) {
      await io.unlink(markerPath);
      await io.syncDir(this.dir);
    }
    for (const name of await io.readdir(this.dir)) {
      const tp = parsePartitionDirName(name);
      // The metadata log may share the directory (metadata.log.dir defaults to the first log dir);
      // it belongs to the Raft shell, never to the partition logs (Kafka's LogManager skips it too).
      if (!tp || tp.topic === METADATA_TOPIC || !(await io.stat(posix.join(this.dir, name)))?.isDirectory) continue;
      const k = key(tp);
      const log = await Log.open(posix.join(this.dir, name), configFor(tp.topic), {
        ...this.logDeps(),
        recoveryPoint: recovery.get(k) ?? 0,
        logStartOffset: starts.get(k) ?? 0,
        firstDirtyOffset: dirty.get(k) ?? 0,
        hadCleanShutdown,
      });
      this.logs.set(k, { tp, log });
    }
    return new Map([...this.logs].map(([k, v]) => [k, v.log]));
  }

  private logDeps(): { clock: Clock; io: FileIO; logger: Logger } {
    return { clock: this.deps.clock, io: this.io, logger: this.deps.logger ?? nullLogger };
  }

  get(tp: TopicPartition): Log | undefined {
    return this.logs.get(key(tp))?.log;
  }

  /** The partition's log, created empty if this directory does not have it yet. */
  async getOrCreate(tp: TopicPartition, config: LogConfig): Promise<Log> {
    const existing = this.get(tp);
    if (existing) return existing;
    const log = await Log.open(posix.join(this.dir, key(tp)), config, this.logDeps());
    await this.io.syncDir(this.dir);
    this.logs.set(key(tp), { tp, log });
    return log;
  }

  /** Removes a partition's log and its directory (the replica moved away). */
  async delete(tp: TopicPartition): Promise<void> {
    const entry = this.logs.get(key(tp));
    if (!entry) return;
    this.logs.delete(key(tp));
    await entry.log.delete();
    await this.io.syncDir(this.dir);
  }

  /** Writes the recovery-point, log-start-offset and cleaner-offset checkpoints (Kafka's periodic task). */
  async checkpoint(): Promise<void> {
    const rows = (f: (log: Log) => number) => [...this.logs.values()].map(({ tp, log }) => ({ ...tp, offset: f(log) }));
    await this.recoveryPoints.write(rows((l) => l.recoveryPoint));
    await this.logStartOffsets.write(rows((l) => l.logStartOffset));
    await this.cleanerOffsets.write(rows((l) => l.firstDirtyOffset));
  }

  /** Clean shutdown: every log flushed and closed, checkpoints written, then the marker. */
  async close(): Promise<void> {
    for (const { log } of this.logs.values()) await log.close();
    await this.checkpoint();
    await writeFileAtomically(this.io, posix.join(this.dir, CLEAN_SHUTDOWN_FILE), Buffer.alloc(0));
    this.logs.clear();
  }
}
