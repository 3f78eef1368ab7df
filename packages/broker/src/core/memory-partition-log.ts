// An in-memory partition log that keeps only what replication needs: the leader epoch of each
// record and the leader-epoch cache with Kafka's maintenance rules (§4.2). The unit and property
// tests drive the partition core with it, and the simulator can use it as its replica log. It
// implements `PartitionLogView` plus the mutations the shells perform on a real log.

import { assert, offset, type LeaderEpoch, type Offset } from "@replog/common";
import { epochEndOffset, type EpochEndOffset, type EpochEntry, type PartitionLogView } from "./partition-log.js";

export class MemoryPartitionLog implements PartitionLogView {
  private startOffset = 0;
  /** Leader epoch of each record, index 0 being `startOffset`. */
  private readonly recordEpochs: LeaderEpoch[] = [];
  /** Invariant: strictly increasing in both epoch and start offset (§4.2). */
  private readonly epochs: EpochEntry[] = [];

  logStartOffset(): Offset {
    return offset(this.startOffset);
  }

  logEndOffset(): Offset {
    return offset(this.startOffset + this.recordEpochs.length);
  }

  latestEpoch(): LeaderEpoch | undefined {
    return this.epochs[this.epochs.length - 1]?.epoch;
  }

  endOffsetForEpoch(epoch: LeaderEpoch): EpochEndOffset | undefined {
    return epochEndOffset(this.epochs, epoch, this.logEndOffset());
  }

  epochEntries(): readonly EpochEntry[] {
    return this.epochs;
  }

  /** The epoch of the record at `at`, or undefined outside `[logStartOffset, LEO)`. */
  epochAt(at: Offset): LeaderEpoch | undefined {
    return this.recordEpochs[at - this.startOffset];
  }

  /** `(offset, epoch)` of the records in `[from, from + maxRecords)`, for serving a fetch. */
  read(from: Offset, maxRecords: number): { offset: Offset; epoch: LeaderEpoch }[] {
    assert(from >= this.startOffset && from <= this.logEndOffset(), `read at ${from} outside the log`);
    const out: { offset: Offset; epoch: LeaderEpoch }[] = [];
    for (let at = from; at < this.logEndOffset() && out.length < maxRecords; at++) {
      out.push({ offset: offset(at), epoch: this.recordEpochs[at - this.startOffset]! });
    }
    return out;
  }

  /** A leader append: `count` records stamped with the leader's epoch. Returns the last offset. */
  appendAsLeader(count: number, epoch: LeaderEpoch): Offset {
    assert(count > 0, "an append carries at least one record");
    this.assignEpochStartOffset(epoch, this.logEndOffset());
    for (let i = 0; i < count; i++) this.recordEpochs.push(epoch);
    return offset(this.logEndOffset() - 1);
  }

  /** A follower append: records keep the leader's offsets and epochs. */
  appendAsFollower(records: readonly { offset: Offset; epoch: LeaderEpoch }[]): void {
    for (const record of records) {
      assert(record.offset === this.logEndOffset(), `follower append at ${record.offset}, LEO ${this.logEndOffset()}`);
      this.assignEpochStartOffset(record.epoch, record.offset);
      this.recordEpochs.push(record.epoch);
    }
  }

  /**
   * Kafka `LeaderEpochFileCache.assign`: a no-op unless the epoch is new or starts earlier; before
   * inserting, drop every entry whose epoch or start offset is not below the new one.
   */
  assignEpochStartOffset(epoch: LeaderEpoch, startOffset: Offset): void {
    assert(epoch >= 0 && startOffset >= 0, `bad epoch entry (${epoch}, ${startOffset})`);
    const latest = this.epochs[this.epochs.length - 1];
    if (latest !== undefined && latest.epoch === epoch && startOffset >= latest.startOffset) return;
    while (this.epochs.length > 0) {
      const last = this.epochs[this.epochs.length - 1]!;
      if (last.epoch < epoch && last.startOffset < startOffset) break;
      this.epochs.pop();
    }
    this.epochs.push({ epoch, startOffset });
  }

  /**
   * Kafka `UnifiedLog.truncateTo`: drop records at and above `to`, and their epoch entries. A
   * target below the log start empties the log and restarts it there, as Kafka does.
   */
  truncateTo(to: Offset): void {
    assert(to >= 0, `truncation to ${to}`);
    if (to >= this.logEndOffset()) {
      // Kafka still truncates the epoch cache at the LEO: a broker that led an epoch without
      // appending to it keeps an entry past its last record, which would make it diverge forever.
      this.dropEpochsFrom(this.logEndOffset());
      return;
    }
    if (to < this.startOffset) {
      this.truncateFullyAndStartAt(to);
      return;
    }
    this.recordEpochs.length = to - this.startOffset;
    this.dropEpochsFrom(to);
  }

  /** Kafka `LeaderEpochFileCache.truncateFromEnd`: drop entries starting at or above `from`. */
  private dropEpochsFrom(from: Offset): void {
    while (this.epochs.length > 0 && this.epochs[this.epochs.length - 1]!.startOffset >= from) this.epochs.pop();
  }

  /** Kafka `UnifiedLog.truncateFullyAndStartAt`: an empty log starting at `newStart`. */
  truncateFullyAndStartAt(newStart: Offset): void {
    this.startOffset = newStart;
    this.recordEpochs.length = 0;
    this.epochs.length = 0;
  }

  /**
   * Raise the log start offset (retention, or a follower copying the leader's). The epoch entry
   * covering the new start moves up to it and older ones go (`truncateFromStart`).
   */
  advanceLogStartOffset(newStart: Offset): void {
    if (newStart <= this.startOffset) return;
    const end = this.logEndOffset();
    const dropped = Math.min(newStart, end) - this.startOffset;
    this.recordEpochs.splice(0, dropped);
    this.startOffset = newStart;
    if (newStart > end) this.recordEpochs.length = 0;
    let covering: EpochEntry | undefined;
    while (this.epochs.length > 0 && this.epochs[0]!.startOffset <= newStart) covering = this.epochs.shift();
    if (covering !== undefined) this.epochs.unshift({ epoch: covering.epoch, startOffset: newStart });
  }
}
