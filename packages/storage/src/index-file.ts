// Shared machinery of the offset and time indexes: fixed-size entries, sparse (one per
// `index.interval.bytes` of log), searched by binary search. Kafka maps the file into memory;
// we keep the entries in a Buffer and write the new ones to the file on flush, roll and close.
// Entries not yet written when the process dies are not lost knowledge: recovery rebuilds the
// index of every segment past the recovery point from the log itself.
//
// On disk the file is preallocated to `segment.index.bytes` while its segment is active and
// trimmed to its entries when the segment rolls or the log closes (Kafka: AbstractIndex).
import type { FileIO } from "./file-io.js";

export abstract class IndexFile {
  protected buffer: Buffer;
  private entryCount = 0;
  /** Entries [0, flushedEntries) are in the file. */
  private flushedEntries = 0;
  /** The file length: maxEntries * entrySize while preallocated, entries * entrySize once trimmed. */
  private fileLength = 0;
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
    return true;
  }

  private isZeroEntry(i: number): boolean {
    return this.buffer.subarray(i * this.entrySize, (i + 1) * this.entrySize).every((b) => b === 0);
  }

  /** Whether entry `i` sorts strictly after entry `j` (both keys increase along a valid index). */
  protected abstract isAfter(i: number, j: number): boolean;

  /** Writes the entries not yet in the file and fsyncs it. */
  async flush(): Promise<void> {
    if (this.flushedEntries === this.entryCount) return;
    const from = this.flushedEntries * this.entrySize;
    const to = this.entryCount * this.entrySize;
    const file = await this.io.open(this.path, "r+");
    try {
      await file.write(this.buffer, from, to - from, from);
      await file.sync();
    } finally {
      await file.close();
    }
    this.flushedEntries = this.entryCount;
    this.fileLength = Math.max(this.fileLength, to);
  }

  /** Flushes and cuts the file to its entries (Kafka's trimToValidSize on roll and close). */
  async trim(): Promise<void> {
    await this.flush();
    await this.setFileLength(this.entryCount * this.entrySize);
  }

  /** Preallocates the file to its maximum size again (the segment became active). */
  async preallocate(): Promise<void> {
    await this.flush();
    await this.setFileLength(this.maxEntries * this.entrySize);
  }

  private async setFileLength(length: number): Promise<void> {
    if (this.fileLength === length) return;
    const file = await this.io.open(this.path, "r+");
    try {
      await file.truncate(length);
      await file.sync();
    } finally {
      await file.close();
    }
    this.fileLength = length;
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
