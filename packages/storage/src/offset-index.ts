// The offset index of a segment (`<base>.index`): 8-byte entries, the batch's last offset
// relative to the segment's base offset (int32) and the byte position of that batch in the
// `.log` file (int32). Kafka: OffsetIndex.java. Lookup gives the position from which a short
// forward scan of batch headers finds any offset.
import type { FileIO } from "./file-io.js";
import { IndexFile } from "./index-file.js";

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

export class OffsetIndex extends IndexFile {
  constructor(io: FileIO, path: string, baseOffset: number, maxIndexSize: number) {
    super(io, path, baseOffset, maxIndexSize, OFFSET_INDEX_ENTRY_SIZE);
  }

  private relativeOffsetAt(i: number): number {
    return this.buffer.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE);
  }

  entryAt(i: number): OffsetPosition {
    return {
      offset: this.baseOffset + this.relativeOffsetAt(i),
      position: this.buffer.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE + 4),
    };
  }

  lastEntry(): OffsetPosition {
    return this.entries === 0 ? { offset: this.baseOffset, position: 0 } : this.entryAt(this.entries - 1);
  }

  protected isAfter(i: number, j: number): boolean {
    const a = this.entryAt(i);
    const b = this.entryAt(j);
    return a.offset > b.offset && a.position > b.position;
  }

  /** Appends `offset -> position`; both must exceed the last entry's (the caller indexes in order). */
  append(offset: number, position: number): void {
    const last = this.entries > 0 ? this.lastEntry() : undefined;
    if (last && (offset <= last.offset || position <= last.position)) {
      throw new RangeError(`index entry ${offset}@${position} not after ${last.offset}@${last.position}`);
    }
    const relative = offset - this.baseOffset;
    if (relative < 0 || relative > 0x7fffffff) throw new RangeError(`offset ${offset} does not fit segment ${this.baseOffset}`);
    const at = this.slotForAppend();
    this.buffer.writeInt32BE(relative, at);
    this.buffer.writeInt32BE(position, at + 4);
  }

  /** The last entry with offset <= target, or (baseOffset, 0) if there is none. */
  lookup(target: number): OffsetPosition {
    const i = this.floorEntry(target - this.baseOffset, (k) => this.relativeOffsetAt(k));
    return i < 0 ? { offset: this.baseOffset, position: 0 } : this.entryAt(i);
  }

  /** Drops the entries for offsets >= `offset` (the log was truncated there). */
  async truncateToOffset(offset: number): Promise<void> {
    const i = this.floorEntry(offset - 1 - this.baseOffset, (k) => this.relativeOffsetAt(k));
    await this.keepEntries(i + 1);
  }

  /** Drops the entries at positions >= `position`. */
  async truncateToPosition(position: number): Promise<void> {
    let keep = this.entries;
    while (keep > 0 && this.entryAt(keep - 1).position >= position) keep--;
    await this.keepEntries(keep);
  }
}
