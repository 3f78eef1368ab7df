// A partition log: an ordered list of segments in one directory, the leader-epoch cache, the log
// start offset, the log end offset (LEO) and the recovery point (Kafka: UnifiedLog + LocalLog).
//
// Who calls it: the broker's replica manager (appends as leader or follower, reads for fetches,
// truncation, retention) on the event loop. Every operation that changes the log runs on one
// serial queue, so an append is never interleaved with a truncation or a roll; reads run beside
// the queue on a snapshot of the segment list (segments leave it only through a delayed delete,
// Kafka's file.delete.delay.ms, so a read in flight keeps its file).
//
// Invariants: logStartOffset <= logEndOffset; recoveryPoint <= logEndOffset; segments are
// ordered by base offset and only the last (active) one is appended to; everything below the
// recovery point is on disk (fsynced, directory entries too).
import { posix } from "node:path";
import { assert, nullLogger, type Clock, type LeaderEpoch, type Logger, type Offset } from "@replog/common";
import {
  InvalidRecordError,
  RecordTooLargeError,
  batchSizeAt,
  decodeRecords,
  setBaseOffset,
  setMaxTimestampAndLogAppendTime,
  setPartitionLeaderEpoch,
  validateBatch,
  CorruptRecordError,
} from "@replog/protocol";
import type { FileIO } from "./file-io.js";
import { nodeFileIO } from "./node-file-io.js";
import type { LogConfig } from "./log-config.js";
import { LogSegment, type BatchInfo } from "./log-segment.js";
import { LeaderEpochCache, LeaderEpochCheckpointFile, LEADER_EPOCH_CHECKPOINT_FILE, type EpochEndOffset, type EpochEntry } from "./leader-epoch-cache.js";
import { DELETED_SUFFIX, loadSegments } from "./log-loader.js";
import { UnexpectedAppendOffsetError, offsetOutOfRange } from "./log-errors.js";
import { deleteOldSegments } from "./log-retention.js";
import type { LogInternals } from "./log-internals.js";
import type { TimestampOffset } from "./time-index.js";

export interface LogDeps {
  readonly clock: Clock;
  readonly io?: FileIO;
  readonly logger?: Logger;
  /** From `recovery-point-offset-checkpoint`; unknown means 0: recover every segment. */
  readonly recoveryPoint?: number;
  /** From `log-start-offset-checkpoint`; never below the first segment's base offset. */
  readonly logStartOffset?: number;
  /** From `cleaner-offset-checkpoint`: where the not-yet-compacted part starts. Default: the start. */
  readonly firstDirtyOffset?: number;
  /**
   * The log was closed cleanly (Kafka's `.kafka_cleanshutdown` marker, kept by LogDirectory):
   * no segment needs recovery and the recovery point is the log end. Default false.
   */
  readonly hadCleanShutdown?: boolean;
}

export interface AppendResult {
  readonly firstOffset: Offset;
  readonly lastOffset: Offset;
  readonly batchCount: number;
  readonly validBytes: number;
  readonly maxTimestamp: number;
  /** The broker's clock stamped on the batches, or -1 (message.timestamp.type=CreateTime). */
  readonly logAppendTime: number;
  readonly logStartOffset: Offset;
}

export interface ReadOptions {
  /** Exclusive: only batches that end below it (the high watermark for consumers). Default LEO. */
  readonly upperBound?: number;
  /** Return the first batch even if it is larger than maxBytes (Kafka minOneMessage). Default true. */
  readonly minOneBatch?: boolean;
}

export interface ReadResult {
  /** Whole record batches exactly as stored, possibly empty. */
  readonly records: Buffer;
  /** The offset after the last batch returned (the start offset if none): where to read on. */
  readonly nextOffset: Offset;
  readonly logStartOffset: Offset;
  readonly logEndOffset: Offset;
}

/**
 * Most bytes written by one write of grouped appends: appends in flight together share a write up
 * to this size, which also bounds how long one synchronous write holds the event loop (about
 * 0.2 ms for 1 MiB into the page cache, see node-file-io.ts). (The number of appends waiting is
 * bounded upstream, by the broker's in-flight produce limits.)
 */
export const APPEND_RUN_BYTES_MAX = 1024 * 1024;

/** Kafka ListOffsets sentinels. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

interface Retired {
  readonly segment: LogSegment;
  readonly dueMs: number;
}

export class Log {
  private segments: LogSegment[] = [];
  private logStart = 0;
  private logEnd = 0;
  private recovery = 0;
  private firstDirty = 0;
  private lastFlushMs: number;
  private queue: Promise<unknown> = Promise.resolve();
  private rollFlush: Promise<void> = Promise.resolve();
  private dirChanges = 0;
  private dirChangesSynced = 0;
  private retired: Retired[] = [];
  private pendingAppends: PendingAppend[] = [];
  private closed = false;
  readonly epochs = new LeaderEpochCache();
  private readonly epochFile: LeaderEpochCheckpointFile;

  private constructor(
    readonly dir: string,
    private cfg: LogConfig,
    private readonly io: FileIO,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.epochFile = new LeaderEpochCheckpointFile(io, posix.join(dir, LEADER_EPOCH_CHECKPOINT_FILE));
    this.lastFlushMs = clock.nowMs();
  }

  // ---- opening ------------------------------------------------------------------------------

  static async open(dir: string, config: LogConfig, deps: LogDeps): Promise<Log> {
    const io = deps.io ?? nodeFileIO;
    const log = new Log(dir, config, io, deps.clock, (deps.logger ?? nullLogger).child({ component: "log", dir }));
    await io.mkdir(dir);
    await log.load(deps.recoveryPoint ?? 0, deps.logStartOffset ?? 0, deps.hadCleanShutdown ?? false);
    log.firstDirty = Math.min(deps.firstDirtyOffset ?? 0, log.logEnd);
    return log;
  }

  private async load(recoveryPoint: number, logStartOffset: number, cleanShutdown: boolean): Promise<void> {
    const before = await this.epochFile.read();
    for (const e of before) this.epochs.assign(e.epoch, e.startOffset);
    const { segments, truncatedBytes } = await loadSegments({
      io: this.io,
      dir: this.dir,
      sizes: this.cfg,
      clock: this.clock,
      logger: this.logger,
      recoveryPoint,
      cleanShutdown,
      // Recovery re-derives the epochs of the batches it reads (Kafka LogSegment.recover): the
      // entries from the segment on are dropped first, then each epoch newer than the latest is
      // added at its first batch. Entries of earlier, trusted segments stay as the file had them.
      beforeRecovery: (baseOffset) => this.epochs.truncateFromEnd(baseOffset as Offset),
      onRecoveredBatch: (h) => {
        const latest = this.epochs.latestEpoch();
        if (h.partitionLeaderEpoch >= 0 && (latest === undefined || h.partitionLeaderEpoch > latest)) {
          this.epochs.assign(h.partitionLeaderEpoch as LeaderEpoch, h.baseOffset as Offset);
        }
      },
    });
    this.segments = segments;
    if (segments.length === 0) {
      this.segments = [await this.newSegment(logStartOffset)];
    }
    this.logEnd = await this.activeSegment.readNextOffset();
    this.logStart = Math.max(logStartOffset, this.segments[0]!.baseOffset);
    if (this.logStart > this.logEnd) {
      // Kafka LogLoader: a checkpointed start beyond the end means the log was emptied to start there.
      await this.truncateFullyAndStartAtInner(this.logStart);
    }
    this.recovery = cleanShutdown ? this.logEnd : Math.min(recoveryPoint, this.logEnd);
    await this.activeSegment.onBecomeActive();
    const cutEnd = this.epochs.truncateFromEnd(this.logEnd as Offset);
    const cutStart = this.epochs.truncateFromStart(this.logStart as Offset);
    const changed = cutEnd || cutStart;
    if (changed || truncatedBytes > 0 || !sameEntries(before, this.epochs.all())) await this.persistEpochs();
    this.logger.info(
      { logStartOffset: this.logStart, logEndOffset: this.logEnd, recoveryPoint: this.recovery, segments: this.segments.length, truncatedBytes },
      "loaded log",
    );
  }

  // ---- state --------------------------------------------------------------------------------

  get config(): LogConfig {
    return this.cfg;
  }

  /** Topic configs change without restart (DESIGN.md §6); they apply from the next operation. */
  updateConfig(config: LogConfig): void {
    this.cfg = config;
  }

  get logStartOffset(): Offset {
    return this.logStart as Offset;
  }

  get logEndOffset(): Offset {
    return this.logEnd as Offset;
  }

  get recoveryPoint(): Offset {
    return this.recovery as Offset;
  }

  /** The cleaner's progress: offsets below it were compacted (checkpointed by the owner). */
  get firstDirtyOffset(): Offset {
    return this.firstDirty as Offset;
  }

  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** Bytes in all segments. */
  size(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /** Segments as a list for tests and tooling (base offset, size). */
  describeSegments(): Array<{ baseOffset: number; size: number }> {
    return this.segments.map((s) => ({ baseOffset: s.baseOffset, size: s.size }));
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`log ${this.dir} is closed`));
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---- appends ------------------------------------------------------------------------------

  /**
   * Leader append (Kafka appendAsLeader): validates every batch, then assigns offsets from the
   * LEO and stamps `leaderEpoch` by patching the caller's buffer in place. If any batch fails,
   * a typed error is thrown and nothing is patched or written.
   */
  appendAsLeader(records: Buffer, leaderEpoch: LeaderEpoch): Promise<AppendResult> {
    return this.enqueueAppend(records, leaderEpoch);
  }

  /**
   * Follower append (Kafka appendAsFollower): keeps the leader's offsets and epochs. The first
   * batch must start at or after the LEO and offsets must increase, else UnexpectedAppendOffsetError.
   */
  appendAsFollower(records: Buffer): Promise<AppendResult> {
    return this.enqueueAppend(records, undefined);
  }

  /**
   * Validation (the CRC pass) needs no log state, so it runs at once, before the queue, as Kafka's
   * analyzeAndValidateRecords runs before the log lock. Valid appends wait in `pendingAppends`;
   * one queued drain takes all that are waiting and writes them with one write (group commit), so
   * appends in flight together cost one system call. Only validated appends are ever queued.
   */
  private enqueueAppend(records: Buffer, leaderEpoch: LeaderEpoch | undefined): Promise<AppendResult> {
    let batches: MutableBatch[];
    try {
      batches = this.analyze(records);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.pendingAppends.push({ records, batches, leaderEpoch, resolve, reject });
      if (this.pendingAppends.length > 1) return;
      this.serial(() => this.drainAppends()).catch((err: unknown) => {
        for (const p of this.pendingAppends.splice(0)) p.reject(err);
      });
    });
  }

  /**
   * Walks and validates the batches of an append without changing anything (Kafka
   * analyzeAndValidateRecords): sizes against max.message.bytes, structure, magic and CRC.
   */
  private analyze(records: Buffer): MutableBatch[] {
    const batches: MutableBatch[] = [];
    let pos = 0;
    while (pos < records.length) {
      const size = batchSizeAt(records, pos);
      if (size === "incomplete") throw new CorruptRecordError(`append ends inside a batch at byte ${pos} of ${records.length}`);
      if (size > this.cfg.maxMessageBytes) {
        throw new RecordTooLargeError(`batch of ${size} bytes exceeds max.message.bytes ${this.cfg.maxMessageBytes}`);
      }
      const h = validateBatch(records, pos);
      batches.push({ pos, sizeInBytes: size, baseOffset: h.baseOffset, lastOffset: h.lastOffset, maxTimestamp: h.maxTimestamp, epoch: h.partitionLeaderEpoch });
      pos += size;
    }
    if (batches.length === 0) throw new InvalidRecordError("an append must hold at least one record batch");
    return batches;
  }

  /**
   * Writes the waiting appends in arrival order, as runs of at most APPEND_RUN_BYTES_MAX bytes with
   * one write each; a run also ends where the next append needs a new segment. Appends that arrive
   * while a run is being written join the next run of the same pass. Each append settles on its
   * own: a follower append with bad offsets is refused without touching the others.
   */
  private async drainAppends(): Promise<void> {
    while (this.pendingAppends.length > 0) {
      const run: PreparedAppend[] = [];
      let runBytes = 0;
      while (this.pendingAppends.length > 0) {
        const p = this.pendingAppends[0]!;
        if (run.length > 0 && runBytes + p.records.length > APPEND_RUN_BYTES_MAX) break;
        this.pendingAppends.shift();
        const runEnd = run.length > 0 ? run[run.length - 1]!.lastOffset + 1 : this.logEnd;
        const prepared = this.prepareAppend(p, runEnd);
        if (!prepared) continue;
        // One literal of fixed shape per append (this runs for every append in flight).
        const roll = this.activeSegment.shouldRoll({
          appendBytes: p.records.length,
          pendingBytes: runBytes,
          maxTimestamp: prepared.maxTimestamp,
          lastOffset: prepared.lastOffset,
          segmentBytes: this.cfg.segmentBytes,
          segmentMs: this.cfg.segmentMs,
        });
        if (roll) {
          await this.writeRun(run.splice(0));
          runBytes = 0;
          await this.rollInner(Math.max(this.logEnd, prepared.firstOffset));
        }
        run.push(prepared);
        runBytes += p.records.length;
      }
      await this.writeRun(run);
    }
  }

  /** Assigns (leader) or checks (follower) the offsets of one append; undefined if refused. */
  private prepareAppend(p: PendingAppend, logEnd: number): PreparedAppend | undefined {
    const { records, batches, leaderEpoch } = p;
    const logAppendTime = leaderEpoch !== undefined && this.cfg.messageTimestampType === "LogAppendTime" ? this.clock.wallMs() : -1;
    if (leaderEpoch === undefined) {
      let previousLast = logEnd - 1;
      for (const b of batches) {
        if (b.baseOffset <= previousLast) {
          const why = previousLast === logEnd - 1 ? `below the log end offset ${logEnd}` : `not after offset ${previousLast}`;
          p.reject(new UnexpectedAppendOffsetError(`follower batch at offset ${b.baseOffset} is ${why}`, b.baseOffset, logEnd));
          return undefined;
        }
        previousLast = b.lastOffset;
      }
    } else {
      let next = logEnd;
      for (const b of batches) {
        setBaseOffset(records, b.pos, next);
        setPartitionLeaderEpoch(records, b.pos, leaderEpoch);
        if (logAppendTime >= 0) {
          setMaxTimestampAndLogAppendTime(records, b.pos, logAppendTime);
          b.maxTimestamp = logAppendTime;
        }
        b.lastOffset = next + (b.lastOffset - b.baseOffset);
        b.baseOffset = next;
        b.epoch = leaderEpoch;
        next = b.lastOffset + 1;
      }
    }
    return {
      pending: p,
      firstOffset: batches[0]!.baseOffset,
      lastOffset: batches[batches.length - 1]!.lastOffset,
      maxTimestamp: batches.reduce((m, b) => Math.max(m, b.maxTimestamp), -1),
      logAppendTime,
    };
  }

  /** One write for a run of prepared appends, then the LEO, the flush policy and the answers. */
  private async writeRun(run: readonly PreparedAppend[]): Promise<void> {
    if (run.length === 0) return;
    try {
      // As Kafka, the epoch cache learns a new epoch before the batches carrying it are written; a
      // crash in between is repaired at load, which drops entries at or past the LEO.
      let epochsChanged = false;
      for (const a of run) {
        for (const b of a.pending.batches) if (b.epoch >= 0) epochsChanged = this.epochs.assign(b.epoch as LeaderEpoch, b.baseOffset as Offset) || epochsChanged;
      }
      if (epochsChanged) await this.persistEpochs();
      await this.activeSegment.append(run.map((a) => ({ buffer: a.pending.records, batches: a.pending.batches })));
      this.logEnd = run[run.length - 1]!.lastOffset + 1;
      if (this.logEnd - this.recovery >= this.cfg.flushMessages) await this.flushInner();
    } catch (err) {
      for (const a of run) a.pending.reject(err);
      return;
    }
    for (const a of run) {
      a.pending.resolve({
        firstOffset: a.firstOffset as Offset,
        lastOffset: a.lastOffset as Offset,
        batchCount: a.pending.batches.length,
        validBytes: a.pending.records.length,
        maxTimestamp: a.maxTimestamp,
        logAppendTime: a.logAppendTime,
        logStartOffset: this.logStart as Offset,
      });
    }
  }

  private async persistEpochs(): Promise<void> {
    await this.epochFile.write(this.epochs.all());
  }

  /** Kafka makeLeader: the new epoch starts at the current LEO, before any batch carries it. */
  assignEpochStartOffset(epoch: LeaderEpoch, startOffset: Offset): Promise<void> {
    return this.serial(async () => {
      if (this.epochs.assign(epoch, startOffset)) await this.persistEpochs();
    });
  }

  /** Kafka's endOffsetFor (OffsetsForLeaderEpoch and truncation on fetch), see LeaderEpochCache. */
  endOffsetForEpoch(epoch: LeaderEpoch): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.logEnd as Offset);
  }

  // ---- rolling and flushing -----------------------------------------------------------------

  /** Forces a new active segment at the LEO (Kafka roll). */
  roll(): Promise<void> {
    return this.serial(() => this.rollInner(this.logEnd));
  }

  private async rollInner(newBase: number): Promise<void> {
    const old = this.activeSegment;
    if (old.size === 0) return;
    await old.onBecomeInactive();
    this.segments = [...this.segments, await this.newSegment(newBase)];
    this.logger.debug({ baseOffset: newBase }, "rolled segment");
    // Kafka flushes the rolled segment in the background (flushUptoOffsetExclusive): appends to
    // the new segment do not wait for the fsync of the old one, nor of its trimmed indexes. The
    // recovery point moves once it is done. Anything that removes segments waits for it first.
    // (If an earlier flush already took the recovery point past the old segment, its log file is
    // durable but the trimmed indexes still need their fsync: hence flushIndexes.)
    const previous = this.rollFlush;
    const flushOld = async (): Promise<void> => {
      await this.flushUpTo(newBase);
      await old.flushIndexes();
    };
    this.rollFlush = previous.then(flushOld).catch((err: unknown) => {
      this.logger.error({ err }, "background flush after roll failed");
    });
  }

  private async newSegment(baseOffset: number): Promise<LogSegment> {
    const segment = await LogSegment.create(this.io, this.dir, baseOffset, this.cfg, this.clock);
    this.dirChanges++;
    return segment;
  }

  /** Flushes every segment holding offsets below `offset` and moves the recovery point there. */
  private async flushUpTo(offset: number): Promise<void> {
    if (offset <= this.recovery) return;
    const segments = this.segments;
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i]!;
      const next = segments[i + 1]?.baseOffset ?? Infinity;
      if (s.baseOffset < offset && next > this.recovery) await s.flush();
    }
    const changes = this.dirChanges;
    if (changes > this.dirChangesSynced) {
      await this.io.syncDir(this.dir);
      this.dirChangesSynced = Math.max(this.dirChangesSynced, changes);
    }
    this.recovery = Math.max(this.recovery, Math.min(offset, this.logEnd));
    this.lastFlushMs = this.clock.nowMs();
  }

  private async flushInner(): Promise<void> {
    await this.rollFlush;
    await this.flushUpTo(this.logEnd);
  }

  /** Explicit flush: everything appended so far is durable when this resolves. */
  flush(): Promise<void> {
    return this.serial(() => this.flushInner());
  }

  /** Kafka's flush.ms, checked by the owner's periodic task. Returns whether it flushed. */
  maybeFlushOnTime(): Promise<boolean> {
    return this.serial(async () => {
      if (this.logEnd <= this.recovery || this.clock.nowMs() - this.lastFlushMs < this.cfg.flushMs) return false;
      await this.flushInner();
      return true;
    });
  }

  // ---- reads --------------------------------------------------------------------------------

  /**
   * Whole batches from the one holding `startOffset`, up to `maxBytes` (at least one batch unless
   * minOneBatch is false), never a batch reaching `upperBound`. OFFSET_OUT_OF_RANGE outside
   * [logStartOffset, logEndOffset].
   */
  async read(startOffset: number, maxBytes: number, options: ReadOptions = {}): Promise<ReadResult> {
    const logStart = this.logStart;
    const logEnd = this.logEnd;
    const segments = this.segments;
    const result = (records: Buffer, nextOffset: number): ReadResult => ({
      records,
      nextOffset: nextOffset as Offset,
      logStartOffset: logStart as Offset,
      logEndOffset: logEnd as Offset,
    });
    if (startOffset < logStart || startOffset > logEnd) throw offsetOutOfRange(startOffset, logStart, logEnd);
    const upperBound = Math.min(options.upperBound ?? logEnd, logEnd);
    if (startOffset >= upperBound) return result(Buffer.alloc(0), startOffset);
    for (let i = Math.max(0, floorSegment(segments, startOffset)); i < segments.length; i++) {
      const r = await segments[i]!.read(startOffset, maxBytes, upperBound, options.minOneBatch ?? true);
      if (r) return result(r.records, r.nextOffset);
    }
    return result(Buffer.alloc(0), startOffset);
  }

  /**
   * Kafka fetchOffsetByTimestamp: the first record with timestamp >= `timestamp` (decoding only
   * the batch that holds it), or undefined. LATEST_TIMESTAMP and EARLIEST_TIMESTAMP answer the
   * LEO and the log start offset.
   */
  async offsetForTimestamp(timestamp: number): Promise<TimestampOffset | undefined> {
    if (timestamp === LATEST_TIMESTAMP) return { timestamp: -1, offset: this.logEnd };
    if (timestamp === EARLIEST_TIMESTAMP) return { timestamp: -1, offset: this.logStart };
    for (const segment of this.segments) {
      if (segment.maxTimestamp < timestamp) continue;
      const found = await segment.findOffsetByTimestamp(timestamp, this.logStart, (bytes) => decodeRecords(bytes, 0));
      if (found) return found;
    }
    return undefined;
  }

  // ---- truncation and the log start offset ----------------------------------------------------

  /**
   * Removes every batch at or after `offset` (Kafka truncateTo, used by followers on divergence).
   * Durable on return. Returns false if there was nothing to remove.
   */
  truncateTo(offset: number): Promise<boolean> {
    return this.serial(async () => {
      assert(offset >= 0, `truncate to negative offset ${offset}`);
      if (offset >= this.logEnd) return false;
      await this.rollFlush;
      if (offset <= this.segments[0]!.baseOffset) {
        await this.truncateFullyAndStartAtInner(offset);
        return true;
      }
      const keep = this.segments.filter((s) => s.baseOffset < offset);
      const drop = this.segments.filter((s) => s.baseOffset >= offset);
      this.segments = keep;
      await this.retire(drop);
      const active = this.activeSegment;
      await active.truncateTo(offset);
      await active.onBecomeActive();
      // The LEO is what the files say: after the last batch kept, or the active segment's base.
      // (Kafka sets the target itself, which inside an offset gap a restart would not find again;
      // a batch holding the target goes whole, so the LEO is then that batch's base.)
      this.logEnd = await active.readNextOffset();
      this.logStart = Math.min(this.logStart, this.logEnd);
      this.recovery = Math.min(this.recovery, this.logEnd);
      this.firstDirty = Math.min(this.firstDirty, this.logEnd);
      if (this.epochs.truncateFromEnd(this.logEnd as Offset)) await this.persistEpochs();
      this.logger.info({ offset, logEndOffset: this.logEnd }, "truncated log");
      return true;
    });
  }

  /** Empties the log and restarts it at `offset` (Kafka truncateFullyAndStartAt). */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    return this.serial(async () => {
      await this.rollFlush;
      await this.truncateFullyAndStartAtInner(offset);
    });
  }

  private async truncateFullyAndStartAtInner(offset: number): Promise<void> {
    const old = this.segments;
    this.segments = [];
    await this.retire(old);
    this.segments = [await this.newSegment(offset)];
    await this.io.syncDir(this.dir);
    this.dirChangesSynced = this.dirChanges;
    this.logStart = offset;
    this.logEnd = offset;
    this.recovery = offset;
    this.firstDirty = offset;
    this.epochs.clear();
    await this.persistEpochs();
    this.logger.info({ offset }, "truncated log fully");
  }

  /**
   * Raises the log start offset (DeleteRecords on a leader; a follower copying the leader's).
   * Never past `highWatermark` (OFFSET_OUT_OF_RANGE, as Kafka). Whole segments below it go at
   * the next retention pass. Returns whether it moved.
   */
  advanceLogStartOffset(offset: number, highWatermark: number): Promise<boolean> {
    return this.serial(async () => {
      if (offset > Math.min(highWatermark, this.logEnd)) {
        throw offsetOutOfRange(offset, this.logStart, Math.min(highWatermark, this.logEnd));
      }
      if (offset <= this.logStart) return false;
      await this.raiseLogStartOffset(offset);
      return true;
    });
  }

  // ---- retention ----------------------------------------------------------------------------

  /**
   * Kafka deleteOldSegments (see log-retention.ts): whole segments from the start, never the
   * active one, never one whose end reaches `highWatermark`. Returns how many segments went.
   */
  deleteOldSegments(highWatermark: number): Promise<number> {
    return this.withExclusiveAccess(async (access) => {
      const deleted = await deleteOldSegments(access, highWatermark);
      await this.deleteRetiredFiles(false);
      return deleted;
    });
  }

  /** Raises the log start offset to at least `offset` and cuts the epoch cache there. */
  private async raiseLogStartOffset(offset: number): Promise<void> {
    if (offset <= this.logStart) return;
    this.logStart = offset;
    if (this.epochs.truncateFromStart(offset as Offset)) await this.persistEpochs();
  }

  /**
   * Takes segments out of the log: renamed to `.deleted` at once (durably, so a restart does not
   * bring them back), their files removed after file.delete.delay.ms.
   */
  private async retire(segments: readonly LogSegment[]): Promise<void> {
    if (segments.length === 0) return;
    for (const s of segments) await s.changeSuffix(DELETED_SUFFIX);
    await this.io.syncDir(this.dir);
    const dueMs = this.clock.nowMs() + this.cfg.fileDeleteDelayMs;
    this.retired.push(...segments.map((segment) => ({ segment, dueMs })));
    await this.deleteRetiredFiles(false);
  }

  /** Removes the files of retired segments whose delay has passed (all of them if `all`). */
  async deleteRetiredFiles(all: boolean): Promise<void> {
    const now = this.clock.nowMs();
    const due = this.retired.filter((r) => all || r.dueMs <= now);
    this.retired = this.retired.filter((r) => !due.includes(r));
    for (const r of due) await r.segment.deleteFiles();
  }

  /** Internal hook for the cleaner and retention: segment list changes under the serial queue. */
  withExclusiveAccess<T>(op: (access: LogInternals) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      await this.rollFlush;
      return op({
        dir: this.dir,
        config: () => this.cfg,
        logStartOffset: () => this.logStart,
        size: () => this.size(),
        segments: () => this.segments,
        replaceSegments: (segments) => {
          this.segments = segments;
        },
        retire: (segments) => this.retire(segments),
        setFirstDirtyOffset: (offset) => {
          this.firstDirty = offset;
        },
        raiseLogStartOffset: (offset) => this.raiseLogStartOffset(offset),
        io: this.io,
        clock: this.clock,
        logger: this.logger,
      });
    });
  }

  // ---- closing ------------------------------------------------------------------------------

  /** Clean shutdown: flushes, trims the active segment's indexes, closes the files. */
  close(): Promise<void> {
    const done = this.serial(async () => {
      await this.flushInner();
      await this.activeSegment.onBecomeInactive();
      await this.activeSegment.flushIndexes();
      for (const s of this.segments) await s.close();
      await this.deleteRetiredFiles(true);
    });
    this.closed = true;
    return done;
  }

  /** Closes the files without flushing (the process is going away, e.g. a simulated crash). */
  async abandon(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.rollFlush;
    for (const s of [...this.segments, ...this.retired.map((r) => r.segment)]) await s.close().catch(() => undefined);
  }

  /** Deletes the partition's directory (the replica was removed from this broker). */
  async delete(): Promise<void> {
    await this.abandon();
    await this.io.removeDir(this.dir);
  }
}

interface PendingAppend {
  readonly records: Buffer;
  readonly batches: MutableBatch[];
  /** Undefined for a follower append. */
  readonly leaderEpoch: LeaderEpoch | undefined;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

interface PreparedAppend {
  readonly pending: PendingAppend;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  readonly logAppendTime: number;
}

interface MutableBatch extends BatchInfo {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  epoch: number;
}

function sameEntries(a: readonly EpochEntry[], b: readonly EpochEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => e.epoch === b[i]!.epoch && e.startOffset === b[i]!.startOffset);
}

/** Index of the last segment whose base offset is <= `offset`, or -1. */
function floorSegment(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid]!.baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
