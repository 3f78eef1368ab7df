// The leader-epoch cache: `epoch -> start offset` of every leader epoch present in the log, both
// columns strictly increasing (Kafka: LeaderEpochFileCache.java; KIP-101, KIP-279). Followers use
// it to find where their log diverges from the leader's, instead of truncating to the high
// watermark (which could lose committed data, see kafka-replication.md §4.1).
//
// This class is pure bookkeeping; the owning `Log` writes it to `leader-epoch-checkpoint` after
// every change (atomically), and rebuilds it from the batches it recovers after a crash.
import { assert, NO_EPOCH, UNDEFINED_OFFSET, type LeaderEpoch, type Offset } from "@replog/common";
import type { FileIO } from "./file-io.js";
import { writeFileAtomically } from "./atomic-file.js";
import { CheckpointFormatError, formatCheckpoint, parseCheckpoint, parseNonNegativeInt } from "./checkpoint-file.js";

export interface EpochEntry {
  readonly epoch: LeaderEpoch;
  readonly startOffset: Offset;
}

export interface EpochEndOffset {
  readonly epoch: LeaderEpoch;
  readonly endOffset: Offset;
}

export const LEADER_EPOCH_CHECKPOINT_FILE = "leader-epoch-checkpoint";

export class LeaderEpochCache {
  // Invariant: epochs and start offsets both strictly increase along the array.
  private entries: EpochEntry[];

  constructor(entries: readonly EpochEntry[] = []) {
    this.entries = [...entries];
    this.checkInvariant();
  }

  private checkInvariant(): void {
    for (let i = 1; i < this.entries.length; i++) {
      const a = this.entries[i - 1]!;
      const b = this.entries[i]!;
      assert(a.epoch < b.epoch && a.startOffset < b.startOffset, () => `epoch cache not monotonic: ${this.describe()}`);
    }
  }

  all(): readonly EpochEntry[] {
    return this.entries;
  }

  latest(): EpochEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  latestEpoch(): LeaderEpoch | undefined {
    return this.latest()?.epoch;
  }

  earliest(): EpochEntry | undefined {
    return this.entries[0];
  }

  /**
   * Records that `epoch` starts at `startOffset`. A no-op unless the epoch differs from the latest
   * or the offset is below the latest's start. Entries that would break monotonicity (an epoch
   * >= the new one, or a start >= the new start) are removed first. Returns whether it changed.
   */
  assign(epoch: LeaderEpoch, startOffset: Offset): boolean {
    assert(epoch >= 0 && startOffset >= 0, () => `invalid epoch entry ${epoch}@${startOffset}`);
    const latest = this.latest();
    if (latest && latest.epoch === epoch && startOffset >= latest.startOffset) return false;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.checkInvariant();
    return true;
  }

  /**
   * Kafka's `endOffsetFor`: the largest known epoch <= `requested` and its exclusive end (the start
   * of the next higher epoch, or the log end offset for the latest epoch); (-1, -1) when unknown.
   */
  endOffsetFor(requested: LeaderEpoch, logEndOffset: Offset): EpochEndOffset {
    const undefinedAnswer = { epoch: NO_EPOCH, endOffset: UNDEFINED_OFFSET };
    if (requested === NO_EPOCH) return undefinedAnswer;
    if (this.latestEpoch() === requested) return { epoch: requested, endOffset: logEndOffset };
    const higherIndex = this.entries.findIndex((e) => e.epoch > requested);
    if (higherIndex < 0) return undefinedAnswer;
    const higher = this.entries[higherIndex]!;
    const floor = higherIndex > 0 ? this.entries[higherIndex - 1]! : undefined;
    return { epoch: floor ? floor.epoch : requested, endOffset: higher.startOffset };
  }

  /** The epoch of the leader that wrote `offset`: the entry with the largest start <= offset. */
  epochForOffset(offset: Offset): LeaderEpoch | undefined {
    let found: LeaderEpoch | undefined;
    for (const e of this.entries) {
      if (e.startOffset > offset) break;
      found = e.epoch;
    }
    return found;
  }

  /** After truncating the log to `endOffset`: drops the entries that start at or after it. */
  truncateFromEnd(endOffset: Offset): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.startOffset < endOffset);
    return this.entries.length !== before;
  }

  /**
   * After raising the log start offset to `startOffset`: the epoch covering it now starts there,
   * and older epochs go. Exclusive, so an entry already at `startOffset` stays as it is.
   */
  truncateFromStart(startOffset: Offset): boolean {
    const first = this.earliest();
    if (!first || first.startOffset >= startOffset) return false;
    const removed = this.entries.filter((e) => e.startOffset <= startOffset);
    const lastRemoved = removed[removed.length - 1]!;
    this.entries = [{ epoch: lastRemoved.epoch, startOffset }, ...this.entries.filter((e) => e.startOffset > startOffset)];
    this.checkInvariant();
    return true;
  }

  clear(): void {
    this.entries = [];
  }

  /** Stable text for logs and tests: `[epoch@start, ...]`. */
  describe(): string {
    return `[${this.entries.map((e) => `${e.epoch}@${e.startOffset}`).join(", ")}]`;
  }
}

/** `leader-epoch-checkpoint`: version 0, a count, then `epoch startOffset` lines. */
export class LeaderEpochCheckpointFile {
  constructor(
    private readonly io: FileIO,
    readonly path: string,
  ) {}

  async write(entries: readonly EpochEntry[]): Promise<void> {
    const lines = entries.map((e) => `${e.epoch} ${e.startOffset}`);
    await writeFileAtomically(this.io, this.path, Buffer.from(formatCheckpoint(lines)));
  }

  async read(): Promise<EpochEntry[]> {
    const bytes = await this.io.readFile(this.path);
    if (!bytes) return [];
    const entries = parseCheckpoint(this.path, bytes.toString("utf8")).map((line) => {
      const [e, o, ...rest] = line.split(" ");
      const epoch = parseNonNegativeInt(e ?? "");
      const startOffset = parseNonNegativeInt(o ?? "");
      if (rest.length > 0 || epoch === undefined || startOffset === undefined) {
        throw new CheckpointFormatError(this.path, `malformed line "${line}"`);
      }
      return { epoch: epoch as LeaderEpoch, startOffset: startOffset as Offset };
    });
    for (let i = 1; i < entries.length; i++) {
      if (entries[i - 1]!.epoch >= entries[i]!.epoch || entries[i - 1]!.startOffset >= entries[i]!.startOffset) {
        throw new CheckpointFormatError(this.path, "entries are not strictly increasing");
      }
    }
    return entries;
  }
}
