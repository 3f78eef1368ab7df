// The time index of a segment (`<base>.timeindex`): 12-byte entries, a timestamp (int64) and the
// offset relative to the base offset (int32) of the record that first reached it. Timestamps only
// increase along the file: an entry is added only when the segment's max timestamp grew.
// Kafka: TimeIndex.java. Used by offset-for-timestamp (ListOffsets) and time-based retention.
import type { FileIO } from "./file-io.js";
import { IndexFile } from "./index-file.js";

export const TIME_INDEX_ENTRY_SIZE = 12;

export interface TimestampOffset {
  readonly timestamp: number;
  readonly offset: number;
}

export class TimeIndex extends IndexFile {
  constructor(io: FileIO, path: string, baseOffset: number, maxIndexSize: number) {
    super(io, path, baseOffset, maxIndexSize, TIME_INDEX_ENTRY_SIZE);
  }

  private timestampAt(i: number): number {
    return Number(this.buffer.readBigInt64BE(i * TIME_INDEX_ENTRY_SIZE));
  }

  entryAt(i: number): TimestampOffset {
    return { timestamp: this.timestampAt(i), offset: this.baseOffset + this.buffer.readInt32BE(i * TIME_INDEX_ENTRY_SIZE + 8) };
  }

  lastEntry(): TimestampOffset | undefined {
    return this.entries === 0 ? undefined : this.entryAt(this.entries - 1);
  }

  protected isAfter(i: number, j: number): boolean {
    const a = this.entryAt(i);
    const b = this.entryAt(j);
    return a.timestamp > b.timestamp && a.offset >= b.offset;
  }

  /** Adds an entry if `timestamp` is beyond the last one (Kafka's maybeAppend). */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    const last = this.lastEntry();
    if (timestamp < 0 || (last && timestamp <= last.timestamp)) return;
    if (last && offset < last.offset) throw new RangeError(`time index offset ${offset} before ${last.offset}`);
    if (!skipFullCheck && this.isFull()) throw new RangeError("time index is full");
    if (this.isFull()) return;
    const relative = offset - this.baseOffset;
    const at = this.slotForAppend();
    this.buffer.writeBigInt64BE(BigInt(timestamp), at);
    this.buffer.writeInt32BE(relative, at + 8);
  }

  /** The last entry with timestamp <= target, or (-1, baseOffset) if there is none. */
  lookup(target: number): TimestampOffset {
    const i = this.floorEntry(target, (k) => this.timestampAt(k));
    return i < 0 ? { timestamp: -1, offset: this.baseOffset } : this.entryAt(i);
  }

  /** Drops the entries for offsets >= `offset`. */
  async truncateToOffset(offset: number): Promise<void> {
    let keep = this.entries;
    while (keep > 0 && this.entryAt(keep - 1).offset >= offset) keep--;
    await this.keepEntries(keep);
  }
}
