// One segment of a partition log: `<base>.log` (record batches exactly as appended), its offset
// index and its time index (Kafka: LogSegment.java). The `Log` owns the segments and calls them
// on its serial queue; a segment never decides to roll, retain or delete itself.
import { posix } from "node:path";
import { batchSizeAt, readBatchHeader, validateBatch, LOG_OVERHEAD, BATCH_HEADER_SIZE, type BatchHeader } from "@replog/protocol";
import type { Clock } from "@replog/common";
import { readFully, type FileHandle, type FileIO } from "./file-io.js";
import { OffsetIndex } from "./offset-index.js";
import { TimeIndex, type TimestampOffset } from "./time-index.js";

export const LOG_FILE_SUFFIX = ".log";
export const INDEX_FILE_SUFFIX = ".index";
export const TIME_INDEX_FILE_SUFFIX = ".timeindex";

/** Kafka's file name: the base offset as 20 zero-padded digits. */
export function filenamePrefixFromOffset(offset: number): string {
  return String(offset).padStart(20, "0");
}

/** What the log tells a segment about each batch it appends (read from the header once). */
export interface BatchInfo {
  /** Position within the appended buffer. */
  readonly pos: number;
  readonly sizeInBytes: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
}

export interface SegmentSizes {
  readonly segmentIndexBytes: number;
  readonly indexIntervalBytes: number;
}

/** Where a batch starts in the file, with the header fields a scan needs. */
export interface BatchLocation {
  readonly position: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly sizeInBytes: number;
}

export type ScanStop = "end" | "incomplete" | "corrupt";

/** Read positions remembered per segment (one per sequential reader, roughly). */
const READ_HINTS_MAX = 16;

/** Bytes read per step when scanning a segment (recovery, compaction, timestamp search). */
const SCAN_CHUNK_BYTES = 1024 * 1024;

export class LogSegment {
  /** Bytes in the `.log` file. Invariant: the file holds exactly this many bytes of whole batches. */
  size = 0;
  private maxTimestampSoFar = -1;
  private offsetOfMaxTimestampSoFar = -1;
  private bytesSinceLastIndexEntry = 0;
  /** The first batch's max timestamp, which segment.ms is measured from (Kafka rollingBasedTimestamp). */
  private rollingBasedTimestamp: number | undefined;
  private readonly createdMs: number;
  /** Offset -> position of the first batch ending at or after it, where recent reads ended. */
  private readonly hintOffsets = new Float64Array(READ_HINTS_MAX).fill(-1);
  private readonly hintPositions = new Float64Array(READ_HINTS_MAX);
  private nextHintSlot = 0;
  private truncations = 0;

  private constructor(
    private readonly io: FileIO,
    readonly dir: string,
    readonly baseOffset: number,
    private file: FileHandle,
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    private readonly sizes: SegmentSizes,
    private readonly clock: Clock,
    private suffix = "",
  ) {
    this.createdMs = clock.nowMs();
  }

  static paths(dir: string, baseOffset: number, suffix = ""): { log: string; index: string; timeIndex: string } {
    const prefix = posix.join(dir, filenamePrefixFromOffset(baseOffset));
    return { log: prefix + LOG_FILE_SUFFIX + suffix, index: prefix + INDEX_FILE_SUFFIX + suffix, timeIndex: prefix + TIME_INDEX_FILE_SUFFIX + suffix };
  }

  /** A new, empty segment (files replaced if they exist). `suffix` is for cleaner output (".cleaned"). */
  static async create(io: FileIO, dir: string, baseOffset: number, sizes: SegmentSizes, clock: Clock, suffix = ""): Promise<LogSegment> {
    const paths = LogSegment.paths(dir, baseOffset, suffix);
    const file = await io.open(paths.log, "w+");
    const offsetIndex = new OffsetIndex(io, paths.index, baseOffset, sizes.segmentIndexBytes);
    const timeIndex = new TimeIndex(io, paths.timeIndex, baseOffset, sizes.segmentIndexBytes);
    await offsetIndex.create();
    await timeIndex.create();
    return new LogSegment(io, dir, baseOffset, file, offsetIndex, timeIndex, sizes, clock, suffix);
  }

  /**
   * An existing segment. Its indexes are loaded as found; `indexesLookSane` and `recover` decide
   * whether to trust or rebuild them. Returns whether the index files were there.
   */
  static async open(io: FileIO, dir: string, baseOffset: number, sizes: SegmentSizes, clock: Clock): Promise<{ segment: LogSegment; indexesFound: boolean }> {
    const paths = LogSegment.paths(dir, baseOffset);
    const file = await io.open(paths.log, "r+");
    const offsetIndex = new OffsetIndex(io, paths.index, baseOffset, sizes.segmentIndexBytes);
    const timeIndex = new TimeIndex(io, paths.timeIndex, baseOffset, sizes.segmentIndexBytes);
    const segment = new LogSegment(io, dir, baseOffset, file, offsetIndex, timeIndex, sizes, clock);
    segment.size = await file.size();
    const foundOffsets = await offsetIndex.load();
    const foundTimes = await timeIndex.load();
    if (!foundOffsets) await offsetIndex.create();
    if (!foundTimes) await timeIndex.create();
    const last = timeIndex.lastEntry();
    if (last) segment.noteTimestamp(last.timestamp, last.offset);
    return { segment, indexesFound: foundOffsets && foundTimes };
  }

  get logPath(): string {
    return LogSegment.paths(this.dir, this.baseOffset, this.suffix).log;
  }

  private noteTimestamp(timestamp: number, offset: number): void {
    if (timestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = timestamp;
      this.offsetOfMaxTimestampSoFar = offset;
    }
  }

  /** The newest timestamp in the segment, or -1 if no batch had one. */
  get maxTimestamp(): number {
    return this.maxTimestampSoFar;
  }

  /** Appends whole batches (offsets already final) with one write, then indexes them. */
  async append(parts: ReadonlyArray<{ buffer: Buffer; batches: readonly BatchInfo[] }>): Promise<void> {
    const position = this.size;
    const buffers = parts.map((p) => p.buffer);
    await this.file.writev(buffers, position);
    let at = position;
    for (const p of parts) {
      for (const b of p.batches) this.indexBatch(b, at + b.pos);
      at += p.buffer.length;
    }
    this.size = at;
  }

  /** Kafka's sparse indexing: an entry once more than `index.interval.bytes` went unindexed. */
  private indexBatch(b: Omit<BatchInfo, "pos">, filePosition: number): void {
    this.rollingBasedTimestamp ??= b.maxTimestamp;
    this.noteTimestamp(b.maxTimestamp, b.lastOffset);
    // A multi-batch append can fill an index part-way; the rest of it stays unindexed (lookups
    // scan a little further) and the next append rolls, since shouldRoll sees the full index.
    if (this.bytesSinceLastIndexEntry > this.sizes.indexIntervalBytes && !this.offsetIndex.isFull()) {
      this.offsetIndex.append(b.lastOffset, filePosition);
      if (!this.timeIndex.isFull()) this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += b.sizeInBytes;
  }

  /** Kafka's shouldRoll: size, age (segment.ms), full indexes, or offsets beyond an int32 delta. */
  shouldRoll(args: { appendBytes: number; pendingBytes?: number; maxTimestamp: number; lastOffset: number; segmentBytes: number; segmentMs: number }): boolean {
    // `pendingBytes`: appends already bound for this segment in the same write (group commit).
    const size = this.size + (args.pendingBytes ?? 0);
    if (size === 0) return false;
    const waited = this.rollingBasedTimestamp !== undefined && this.rollingBasedTimestamp >= 0 && args.maxTimestamp >= 0
      ? args.maxTimestamp - this.rollingBasedTimestamp
      : this.clock.nowMs() - this.createdMs;
    return (
      size > args.segmentBytes - args.appendBytes ||
      waited > args.segmentMs ||
      this.offsetIndex.isFull() ||
      this.timeIndex.isFull() ||
      args.lastOffset - this.baseOffset > 0x7fffffff
    );
  }

  /**
   * Reads the framing of the batch at `position` (offset, length, last offset delta), or
   * undefined past the end, at a torn tail, or at a length that cannot be right.
   */
  private async headerAt(position: number): Promise<BatchLocation | undefined> {
    if (position + HEADER_PREFIX_BYTES > this.size) return undefined;
    const buf = Buffer.allocUnsafe(HEADER_PREFIX_BYTES);
    await readFully(this.file, buf, 0, HEADER_PREFIX_BYTES, position);
    const sizeInBytes = buf.readInt32BE(8) + LOG_OVERHEAD;
    if (sizeInBytes < BATCH_HEADER_SIZE || position + sizeInBytes > this.size) return undefined;
    const baseOffset = readOffset(buf, 0);
    return { position, baseOffset, lastOffset: baseOffset + buf.readInt32BE(23), sizeInBytes };
  }

  /** The first batch whose last offset is >= `target`, found from the index by a forward scan. */
  async findBatch(target: number, startPosition?: number): Promise<BatchLocation | undefined> {
    let position = startPosition ?? this.offsetIndex.lookup(target).position;
    for (;;) {
      const batch = await this.headerAt(position);
      if (!batch || batch.lastOffset >= target) return batch;
      position += batch.sizeInBytes;
    }
  }

  /**
   * Whole batches from the one holding `startOffset`, at most `maxBytes` (but at least one batch
   * when `minOneBatch`, as Kafka's minOneMessage), and only batches ending below `upperBound`,
   * as bytes taken straight from the file. Undefined if no batch here ends at or after the start.
   *
   * One read serves the common cases: where a previous read ended (a remembered position), or
   * from the offset index entry, reading `index.interval.bytes` more so that the header walk to
   * the wanted batch happens in memory instead of one small read per header before the data read.
   */
  async read(startOffset: number, maxBytes: number, upperBound: number, minOneBatch: boolean): Promise<{ records: Buffer; nextOffset: number } | undefined> {
    const generation = this.truncations;
    // Bytes appended while this read runs are past `upperBound` (at most the LEO at the call).
    const size = this.size;
    const hinted = this.readHintFor(startOffset);
    const fromHint = hinted !== undefined && hinted < size;
    let position = fromHint ? hinted : this.offsetIndex.lookup(startOffset).position;
    const limit = Math.max(maxBytes, HEADER_PREFIX_BYTES);
    let buf = Buffer.allocUnsafe(Math.max(0, Math.min(size - position, limit + (fromHint ? 0 : this.sizes.indexIntervalBytes))));
    let n = await readFully(this.file, buf, 0, buf.length, position);
    let skip = 0;
    if (!fromHint) {
      const found = findInBuffer(buf, n, startOffset, size - position);
      if (found.kind === "absent") return undefined;
      let batchPosition = position + found.at;
      if (found.kind === "beyond") {
        // The wanted batch starts past what was read (batches larger than index.interval.bytes).
        const batch = await this.findBatch(startOffset, batchPosition);
        if (!batch) return undefined;
        batchPosition = batch.position;
      }
      if (found.kind === "found" && n - found.at >= Math.min(limit, size - batchPosition)) {
        skip = found.at;
      } else {
        // What was read holds less than maxBytes from the wanted batch on: read from there.
        position = batchPosition;
        buf = Buffer.allocUnsafe(Math.min(size - position, limit));
        n = await readFully(this.file, buf, 0, buf.length, position);
      }
    }
    const window = buf.subarray(skip, skip + Math.min(n - skip, limit));
    position += skip;
    let cut = wholeBatchesBelow(window, window.length, upperBound);
    let records = window;
    if (cut.bytes === 0) {
      // The first batch is larger than maxBytes, or reaches the upper bound.
      if (window.length < HEADER_PREFIX_BYTES || readOffset(window, 0) + window.readInt32BE(23) >= upperBound || !minOneBatch) {
        return { records: Buffer.alloc(0), nextOffset: startOffset };
      }
      records = Buffer.allocUnsafe(Math.min(size - position, window.readInt32BE(8) + LOG_OVERHEAD));
      const got = await readFully(this.file, records, 0, records.length, position);
      cut = wholeBatchesBelow(records, got, upperBound);
    }
    // A truncation while this read was in flight makes its end position meaningless.
    if (cut.bytes > 0 && generation === this.truncations) this.rememberReadEnd(cut.lastOffset + 1, position + cut.bytes);
    return { records: records.subarray(0, cut.bytes), nextOffset: cut.bytes > 0 ? cut.lastOffset + 1 : startOffset };
  }

  /**
   * Consumers and followers read on from where their last read ended; remembering where that
   * was saves the index lookup and header scan. Bounded; cleared when the segment is truncated.
   */
  private rememberReadEnd(nextOffset: number, position: number): void {
    if (this.readHintFor(nextOffset) !== undefined) return;
    this.hintOffsets[this.nextHintSlot] = nextOffset;
    this.hintPositions[this.nextHintSlot] = position;
    this.nextHintSlot = (this.nextHintSlot + 1) % READ_HINTS_MAX;
  }

  /** The remembered position of `offset`, if a recent read ended there. */
  private readHintFor(offset: number): number | undefined {
    for (let i = 0; i < READ_HINTS_MAX; i++) if (this.hintOffsets[i] === offset) return this.hintPositions[i];
    return undefined;
  }

  /**
   * Walks the batches from `fromPosition`, calling `onBatch` with each batch's bytes (a view valid
   * only during the call). `validate` checks each CRC. Stops at the end, at a torn (incomplete)
   * tail, or at a corrupt batch, and says which and where.
   */
  async scan(
    fromPosition: number,
    validate: boolean,
    onBatch: (bytes: Buffer, header: BatchHeader, position: number) => void,
  ): Promise<{ stop: ScanStop; position: number }> {
    let position = fromPosition;
    let chunk = Buffer.allocUnsafe(Math.min(SCAN_CHUNK_BYTES, Math.max(0, this.size - position)));
    while (position < this.size) {
      const want = Math.min(chunk.length, this.size - position);
      const n = await readFully(this.file, chunk, 0, want, position);
      // The file ended before its recorded size (cut while this scan ran): stop at what is there.
      if (n < want && n < LOG_OVERHEAD) return { stop: "incomplete", position };
      const view = chunk.subarray(0, n);
      let at = 0;
      for (;;) {
        let size: number | "incomplete";
        let header: BatchHeader;
        try {
          size = batchSizeAt(view, at);
          if (size === "incomplete") break;
          header = validate ? validateBatch(view, at) : readBatchHeader(view, at);
        } catch {
          return { stop: "corrupt", position: position + at };
        }
        onBatch(view.subarray(at, at + size), header, position + at);
        at += size;
      }
      if (at === 0) {
        // Not even one whole batch fits in the chunk: either a torn tail or a big batch.
        const claimed = view.length >= LOG_OVERHEAD ? view.readInt32BE(8) + LOG_OVERHEAD : Infinity;
        if (claimed > this.size - position || n < want) return { stop: "incomplete", position };
        chunk = Buffer.allocUnsafe(claimed);
        continue;
      }
      position += at;
    }
    return { stop: "end", position };
  }

  /**
   * Kafka's LogSegment.recover: rebuilds both indexes from the log while checking every batch's
   * CRC and that offsets increase; cuts the file at the first torn or corrupt batch. Returns the
   * number of bytes cut. `onBatch` lets the log rebuild its leader-epoch cache.
   */
  async recover(onBatch: (header: BatchHeader) => void): Promise<number> {
    await this.offsetIndex.reset();
    await this.timeIndex.reset();
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = -1;
    this.bytesSinceLastIndexEntry = 0;
    this.rollingBasedTimestamp = undefined;
    let validEnd = 0;
    let lastOffset = this.baseOffset - 1;
    let broken = false;
    const { position } = await this.scan(0, true, (_bytes, h, at) => {
      if (broken || h.baseOffset <= lastOffset || h.lastOffset - this.baseOffset > 0x7fffffff) {
        broken = true;
        return;
      }
      this.indexBatch({ sizeInBytes: h.sizeInBytes, baseOffset: h.baseOffset, lastOffset: h.lastOffset, maxTimestamp: h.maxTimestamp }, at);
      onBatch(h);
      lastOffset = h.lastOffset;
      validEnd = at + h.sizeInBytes;
    });
    const end = broken ? validEnd : position;
    const cut = this.size - end;
    if (cut > 0) await this.truncateToPosition(end);
    return cut;
  }

  /**
   * Kafka's sanity check, plus one read: the indexes are ordered (checked on load), point inside
   * the file, and the last offset-index entry really names the batch at its position.
   */
  async indexesLookSane(): Promise<boolean> {
    if (this.offsetIndex.entries > 0) {
      const last = this.offsetIndex.lastEntry();
      if (last.position >= this.size) return false;
      try {
        const batch = await this.headerAt(last.position);
        if (!batch || batch.lastOffset !== last.offset) return false;
      } catch {
        return false;
      }
    }
    const lastTime = this.timeIndex.lastEntry();
    return !lastTime || lastTime.offset >= this.baseOffset;
  }

  /**
   * The offset after the last batch (Kafka readNextOffset), scanning from the last index entry.
   * Also brings the max timestamp up to date for batches after that entry.
   */
  async readNextOffset(): Promise<number> {
    let next = this.baseOffset;
    const from = this.offsetIndex.lastEntry().position;
    await this.scan(from, false, (_b, h) => {
      next = h.lastOffset + 1;
      this.noteTimestamp(h.maxTimestamp, h.lastOffset);
    });
    return next;
  }

  /**
   * Cuts the segment so it ends before `offset`. A batch holding `offset` goes entirely (logs are
   * cut at batch boundaries). Returns the base offset of the first batch removed, if any.
   */
  async truncateTo(offset: number): Promise<number | undefined> {
    const batch = await this.findBatch(offset);
    if (!batch) return undefined;
    await this.truncateToPosition(batch.position);
    return batch.baseOffset;
  }

  private async truncateToPosition(position: number): Promise<void> {
    this.truncations++;
    this.hintOffsets.fill(-1);
    await this.offsetIndex.truncateToPosition(position);
    const lastKept = this.offsetIndex.entries > 0 ? this.offsetIndex.lastEntry().offset + 1 : this.baseOffset;
    await this.timeIndex.truncateToOffset(lastKept);
    await this.file.truncate(position);
    // A truncation is made durable at once: a crash must not bring back batches the log dropped
    // (the log may already hold different batches at those offsets, or have told a leader so).
    await this.file.sync();
    this.size = position;
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = -1;
    const last = this.timeIndex.lastEntry();
    if (last) this.noteTimestamp(last.timestamp, last.offset);
    this.bytesSinceLastIndexEntry = 0;
    if (position === 0) this.rollingBasedTimestamp = undefined;
    await this.readNextOffset();
  }

  /** Finds the first record with timestamp >= `target` at or after `startingOffset`. */
  async findOffsetByTimestamp(target: number, startingOffset: number, decode: (batch: Buffer) => Array<{ offset: number; timestamp: number }>): Promise<TimestampOffset | undefined> {
    const fromIndex = this.timeIndex.lookup(target);
    const from = this.offsetIndex.lookup(Math.max(fromIndex.offset, startingOffset)).position;
    let found: TimestampOffset | undefined;
    await this.scan(from, false, (bytes, h) => {
      if (found || h.maxTimestamp < target) return;
      for (const r of decode(bytes)) {
        if (r.timestamp >= target && r.offset >= startingOffset) {
          found = { timestamp: r.timestamp, offset: r.offset };
          return;
        }
      }
    });
    return found;
  }

  /** fsync of the log file, then the indexes. */
  async flush(): Promise<void> {
    await this.file.sync();
    await this.flushIndexes();
  }

  /**
   * The segment stops being the active one: final time-index entry, index files written and
   * trimmed (Kafka onBecomeInactiveSegment). Nothing is fsynced here: on a roll that happens in
   * the background, with the segment's `flush` (a 1 GiB fsync, or even four small ones, must not
   * stall appends); on close and after cleaning the caller flushes.
   */
  async onBecomeInactive(): Promise<void> {
    if (this.maxTimestampSoFar >= 0) this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
    await this.offsetIndex.trim();
    await this.timeIndex.trim();
  }

  /** fsync of both index files (after `onBecomeInactive` when the log file is already durable). */
  async flushIndexes(): Promise<void> {
    await this.offsetIndex.flush();
    await this.timeIndex.flush();
  }

  /** The segment became the active one again (after load or truncation): room for index entries. */
  async onBecomeActive(): Promise<void> {
    await this.offsetIndex.preallocate();
    await this.timeIndex.preallocate();
  }

  /** Renames the three files by changing their suffix (".deleted", ".cleaned", ".swap", ""). */
  async changeSuffix(suffix: string): Promise<void> {
    const from = LogSegment.paths(this.dir, this.baseOffset, this.suffix);
    const to = LogSegment.paths(this.dir, this.baseOffset, suffix);
    await this.io.rename(from.log, to.log);
    await this.offsetIndex.rename(to.index);
    await this.timeIndex.rename(to.timeIndex);
    this.suffix = suffix;
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  async deleteFiles(): Promise<void> {
    await this.file.close();
    await this.io.unlink(this.logPath);
    await this.offsetIndex.delete();
    await this.timeIndex.delete();
  }

  describe(): string {
    return `segment ${this.baseOffset} (${this.size} bytes, ${this.offsetIndex.entries} index entries)`;
  }
}

/** Bytes of a batch header up to and including lastOffsetDelta: all a position scan needs. */
const HEADER_PREFIX_BYTES = 27;

function readOffset(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 2 ** 32 + buf.readUInt32BE(at + 4);
}

/**
 * Walks the batch headers in `buf[0, n)` (read from an index position) to the first batch whose
 * last offset is >= `target`: "found" at its position in `buf`; "absent" if the segment holds no
 * such batch (the walk reached the segment's end, `segmentRemaining` bytes from the start of
 * `buf`, or a length that cannot be right: the same answers as `findBatch`); or "beyond" when the
 * walk reached the end of `buf` first, at the position where it stopped.
 */
function findInBuffer(buf: Buffer, n: number, target: number, segmentRemaining: number): { kind: "found" | "absent" | "beyond"; at: number } {
  let at = 0;
  for (;;) {
    if (at + HEADER_PREFIX_BYTES > segmentRemaining) return { kind: "absent", at };
    if (at + HEADER_PREFIX_BYTES > n) return { kind: "beyond", at };
    const size = buf.readInt32BE(at + 8) + LOG_OVERHEAD;
    if (size < BATCH_HEADER_SIZE || at + size > segmentRemaining) return { kind: "absent", at };
    if (readOffset(buf, at) + buf.readInt32BE(at + 23) >= target) return { kind: "found", at };
    at += size;
  }
}

/**
 * The longest run of whole batches at the start of `buf[0, n)` that all end below `upperBound`:
 * its length in bytes and the last offset in it. Reads only the length and offset fields.
 */
export function wholeBatchesBelow(buf: Buffer, n: number, upperBound: number): { bytes: number; lastOffset: number } {
  let at = 0;
  let lastOffset = -1;
  while (at + HEADER_PREFIX_BYTES <= n) {
    const size = buf.readInt32BE(at + 8) + LOG_OVERHEAD;
    if (at + size > n) break;
    const last = readOffset(buf, at) + buf.readInt32BE(at + 23);
    if (last >= upperBound) break;
    lastOffset = last;
    at += size;
  }
  return { bytes: at, lastOffset };
}
