// Shared machinery of the offset and time indexes: fixed-size entries, sparse (one per
// `index.interval.bytes` of log), searched by binary search. Kafka maps the file into memory;
// we keep the entries in a Buffer and write the new ones to the file on flush, roll and close.
// Entries not yet written when the process dies are not lost knowledge: recovery rebuilds the
// index of every segment past the recovery point from the log itself.
//
// On disk the file is preallocated to `segment.index.bytes` while its segment is active and
// trimmed to its entries when the segment rolls or the log closes (Kafka: AbstractIndex).
// Writing and fsyncing are separate steps: a roll writes and trims the old segment's indexes on
// the append path, and their fsync waits for that segment's flush (in the background, as Kafka's
// roll schedules flushUptoOffsetExclusive), so an append that rolls does not wait for four fsyncs.
// Until that flush the segment is above the recovery point, whose indexes are rebuilt on open.
import type { FileHandle, FileIO } from "./file-io.js";

export abstract class IndexFile {
  protected buffer: Buffer;
  private entryCount = 0;
  /** Entries [0, flushedEntries) are in the file. */
  private flushedEntries = 0;
  /** The file length: maxEntries * entrySize while preallocated, entries * entrySize once trimmed. */
  private fileLength = 0;
  /** Whether the file's content and length were fsynced after their last change. */
  private synced = false;
  readonly maxEntries: number;

  protected constructor(
    protected readonly io: FileIO,
    public path: string,
    readonly baseOffset: number,
    maxIndexSize: number,
    readonly entrySize: number,
  ) {
    this.maxEntries = Math.floor(maxIndexSize / entrySize);
    this.buffer = Buffer.alloc(Math.min(this.maxEntries, 512) * entrySize);
  }

  get entries(): number {
    return this.entryCount;
  }

  isFull(): boolean {
    return this.entryCount >= this.maxEntries;
  }

  sizeInBytes(): number {
    return this.entryCount * this.entrySize;
  }

  /** Room for one more entry, growing the in-memory buffer geometrically. */
  protected slotForAppend(): number {
    const position = this.entryCount * this.entrySize;
    if (position + this.entrySize > this.buffer.length) {
      const grown = Buffer.alloc(Math.min(this.maxEntries * this.entrySize, Math.max(this.buffer.length * 2, this.entrySize * 64)));
      this.buffer.copy(grown, 0, 0, position);
      this.buffer = grown;
    }
    this.entryCount++;
    return position;
  }

  /** Creates an empty, preallocated index file (replacing any file at the path). */
  async create(): Promise<void> {
    const file = await this.io.open(this.path, "w+");
    try {
      await file.truncate(this.maxEntries * this.entrySize);
    } finally {
      await file.close();
    }
    this.entryCount = 0;
    this.flushedEntries = 0;
    this.fileLength = this.maxEntries * this.entrySize;
    this.synced = false;
  }

  /**
   * Loads entries from the file: a whole number of entries, cut at the first one that breaks the
   * ordering (the zeros of a preallocated file that was never trimmed). Returns false if the file
   * is missing. The caller sanity-checks the result against the log and rebuilds if needed.
   */
  async load(): Promise<boolean> {
    const bytes = await this.io.readFile(this.path);
    if (!bytes) return false;
    const whole = Math.min(this.maxEntries, Math.floor(bytes.length / this.entrySize));
    this.buffer = Buffer.alloc(Math.max(whole, 64) * this.entrySize);
    bytes.copy(this.buffer, 0, 0, whole * this.entrySize);
    let count = 0;
    while (count < whole && (count === 0 || this.isAfter(count, count - 1))) count++;
    // A lone all-zero entry is the preallocated tail of an empty index; dropping it loses nothing,
    // since a lookup with no entry answers (baseOffset, 0) anyway.
    if (count === 1 && this.isZeroEntry(0)) count = 0;
    this.entryCount = count;
    this.flushedEntries = count;
    this.fileLength = bytes.length;
    // What a load finds may still sit in the page cache only (a crash of the process, not of the
    // machine): the first flush makes it durable.
    this.synced = false;
    return true;
  }

  private isZeroEntry(i: number): boolean {
    return this.buffer.subarray(i * this.entrySize, (i + 1) * this.entrySize).every((b) => b === 0);
  }

  /** Whether entry `i` sorts strictly after entry `j` (both keys increase along a valid index). */
  protected abstract isAfter(i: number, j: number): boolean;

  /** Writes the entries not yet in the file and fsyncs it (nothing if both are done). */
  async flush(): Promise<void> {
    if (this.synced && this.flushedEntries === this.entryCount) return;
    const file = await this.io.open(this.path, "r+");
    try {
      await this.writePendingTo(file);
      await file.sync();
    } finally {
      await file.close();
    }
    this.synced = true;
  }

  /** Writes the entries not yet in the file, without an fsync. */
  private async writePending(): Promise<void> {
    if (this.flushedEntries === this.entryCount) return;
    const file = await this.io.open(this.path, "r+");
    try {
      await this.writePendingTo(file);
    } finally {
      await file.close();
    }
  }

  private async writePendingTo(file: FileHandle): Promise<void> {
    if (this.flushedEntries === this.entryCount) return;
    const from = this.flushedEntries * this.entrySize;
    const to = this.entryCount * this.entrySize;
    await file.write(this.buffer, from, to - from, from);
    this.flushedEntries = this.entryCount;
    this.fileLength = Math.max(this.fileLength, to);
    this.synced = false;
  }

  /**
   * Writes the entries and cuts the file to them (Kafka's trimToValidSize on roll and close).
   * Not fsynced: durable with the next `flush`.
   */
  async trim(): Promise<void> {
    await this.writePending();
    await this.setFileLength(this.entryCount * this.entrySize);
  }

  /** Preallocates the file to its maximum size again (the segment became active), durably. */
  async preallocate(): Promise<void> {
    await this.writePending();
    await this.setFileLength(this.maxEntries * this.entrySize);
    await this.flush();
  }

  private async setFileLength(length: number): Promise<void> {
    if (this.fileLength === length) return;
    const file = await this.io.open(this.path, "r+");
    try {
      await file.truncate(length);
    } finally {
      await file.close();
    }
    this.fileLength = length;
    this.synced = false;
  }

  /**
   * Keeps the first `count` entries. Entries already written beyond them are zeroed in the file
   * (cut, then grown back), so a later load cannot mistake a stale entry for a live one.
   */
  protected async keepEntries(count: number): Promise<void> {
    if (count >= this.entryCount) return;
    this.entryCount = count;
    if (this.flushedEntries > count) {
      const length = this.fileLength;
      const file = await this.io.open(this.path, "r+");
      try {
        await file.truncate(count * this.entrySize);
        await file.truncate(length);
      } finally {
        await file.close();
      }
      this.flushedEntries = count;
      this.synced = false;
    }
  }

  /** Empties the index (before a rebuild from the log). */
  async reset(): Promise<void> {
    await this.keepEntries(0);
  }

  async rename(path: string): Promise<void> {
    await this.io.rename(this.path, path);
    this.path = path;
  }

  async delete(): Promise<void> {
    await this.io.unlink(this.path);
  }

  /** Index of the last entry whose key is <= `target` (keys read by `keyAt`), or -1. */
  protected floorEntry(target: number, keyAt: (i: number) => number): number {
    let lo = 0;
    let hi = this.entryCount - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (keyAt(mid) <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
