// Log compaction (Kafka: LogCleaner.scala, LogCleanerManager.scala). For a log whose
// cleanup.policy contains "compact": keep only the latest record of each key in the segments
// before the first uncleanable offset (the active segment's base, or the high watermark if lower),
// keep every retained record at its original offset, drop tombstones (null values) once they are
// older than delete.retention.ms, and swap each group of cleaned segments in atomically.
//
// One pass, as in Kafka: (1) build the map key -> latest offset from the dirty segments (those
// from the first dirty offset on); (2) rewrite the cleanable segments, in groups that fit one
// segment, into `.cleaned` files; (3) swap each group: `.cleaned` -> `.swap` (commit point),
// old segments -> `.deleted`, `.swap` -> final names, each step fsynced. A crash before the commit
// point leaves the old segments; after it, the loader finishes the swap (log-loader.ts).
//
// Deviation from Kafka, on purpose: a tombstone is kept until delete.retention.ms after its own
// timestamp (Kafka counts from when the cleaner first saw it). Records without a key are dropped,
// as Kafka's cleaner does. Control and transactional batches are out of scope and kept as they are.
import { decodeRecords, encodeRecordBatch, type BatchHeader, type DecodedRecord } from "@replog/protocol";
import type { Log } from "./log.js";
import type { LogInternals } from "./log-internals.js";
import { LogSegment, type BatchInfo } from "./log-segment.js";
import { CLEANED_SUFFIX, SWAP_SUFFIX } from "./log-loader.js";

export interface CleanOptions {
  /** Records at or past it are never cleaned (Kafka cleans only below the last stable offset <= HW). */
  readonly highWatermark: number;
  /** Clean even if the dirty ratio is at or below min.cleanable.dirty.ratio. */
  readonly force?: boolean;
}

export interface CleanResult {
  readonly cleaned: boolean;
  /** dirty bytes / cleanable bytes when the pass was considered (Kafka cleanableRatio). */
  readonly dirtyRatio: number;
  readonly segmentsBefore: number;
  readonly segmentsAfter: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly recordsRemoved: number;
}

interface Plan {
  readonly cleanable: readonly LogSegment[];
  readonly firstDirty: number;
  readonly firstUncleanable: number;
  readonly dirtyRatio: number;
}

/** Which segments may be cleaned and how dirty they are; undefined if there is nothing to do. */
function plan(log: Log, access: LogInternals, highWatermark: number): Plan | undefined {
  const segments = access.segments();
  const active = segments[segments.length - 1]!;
  const limit = Math.min(active.baseOffset, highWatermark);
  const cleanable: LogSegment[] = [];
  for (let i = 0; i + 1 < segments.length && segments[i + 1]!.baseOffset <= limit; i++) cleanable.push(segments[i]!);
  if (cleanable.length === 0) return undefined;
  const firstUncleanable = segments[cleanable.length]!.baseOffset;
  const firstDirty = Math.max(log.firstDirtyOffset, log.logStartOffset);
  let dirty = 0;
  let total = 0;
  cleanable.forEach((s, i) => {
    total += s.size;
    const next = segments[i + 1]!.baseOffset;
    if (next > firstDirty) dirty += s.size;
  });
  if (dirty === 0) return undefined;
  return { cleanable, firstDirty, firstUncleanable, dirtyRatio: total === 0 ? 0 : dirty / total };
}

const keyOf = (record: DecodedRecord): string | undefined => (record.key === null ? undefined : record.key.toString("latin1"));

/** Step 1: key -> offset of its latest record in the dirty part of the cleanable segments. */
async function buildOffsetMap(p: Plan): Promise<Map<string, number>> {
  const map = new Map<string, number>();
  for (const segment of p.cleanable) {
    await segment.scan(0, false, (bytes, h) => {
      if (h.lastOffset < p.firstDirty || h.isControl) return;
      for (const r of decodeRecords(bytes, 0)) {
        const key = keyOf(r);
        if (key !== undefined && r.offset >= p.firstDirty) map.set(key, r.offset);
      }
    });
  }
  return map;
}

/** Groups of consecutive segments that fit one segment (Kafka groupSegmentsBySize). */
function groupBySize(segments: readonly LogSegment[], segmentBytes: number): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let current: LogSegment[] = [];
  let size = 0;
  for (const s of segments) {
    if (current.length > 0 && size + s.size > segmentBytes) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(s);
    size += s.size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

interface Retention {
  readonly map: Map<string, number>;
  readonly nowMs: number;
  readonly deleteRetentionMs: number;
}

function shouldRetain(r: DecodedRecord, rules: Retention): boolean {
  const key = keyOf(r);
  if (key === undefined) return false;
  const latest = rules.map.get(key);
  if (latest !== undefined && r.offset < latest) return false;
  if (r.value === null) return rules.nowMs - r.timestamp <= rules.deleteRetentionMs;
  return true;
}

/**
 * The retained part of one batch: the batch itself if nothing goes, else one new batch per run
 * of consecutive retained offsets (so every record keeps its offset), or nothing.
 */
function filterBatch(bytes: Buffer, h: BatchHeader, rules: Retention): { out: Buffer[]; removed: number } {
  if (h.isControl || h.isTransactional) return { out: [bytes], removed: 0 };
  const records = decodeRecords(bytes, 0);
  const kept = records.filter((r) => shouldRetain(r, rules));
  if (kept.length === records.length) return { out: [bytes], removed: 0 };
  const runs: DecodedRecord[][] = [];
  for (const r of kept) {
    const run = runs[runs.length - 1];
    if (run && run[run.length - 1]!.offset + 1 === r.offset) run.push(r);
    else runs.push([r]);
  }
  const out = runs.map((run) =>
    encodeRecordBatch({
      records: run.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
      baseOffset: run[0]!.offset,
      partitionLeaderEpoch: h.partitionLeaderEpoch,
      producerId: h.producerId,
      producerEpoch: h.producerEpoch,
      compression: h.compression,
      timestampType: h.timestampType,
    }),
  );
  return { out, removed: records.length - kept.length };
}

/** Step 2: writes the retained batches of a group into a `.cleaned` segment. */
async function cleanGroup(log: Log, access: LogInternals, group: readonly LogSegment[], rules: Retention): Promise<{ cleaned: LogSegment; removed: number }> {
  const cleaned = await LogSegment.create(access.io, log.dir, group[0]!.baseOffset, log.config, access.clock, CLEANED_SUFFIX);
  let removed = 0;
  for (const segment of group) {
    const pending: Buffer[] = [];
    await segment.scan(0, false, (bytes, h) => {
      const r = filterBatch(bytes, h, rules);
      removed += r.removed;
      // Copies: `bytes` is a view into the scan's reusable chunk.
      for (const b of r.out) pending.push(b === bytes ? Buffer.from(bytes) : b);
    });
    if (pending.length > 0) await cleaned.append(pending.map((b) => ({ buffer: b, batches: [batchInfoOf(b)] })));
  }
  // The cleaned data and its trimmed indexes must be on disk before the swap commits (the `.swap`
  // rename).
  await cleaned.onBecomeInactive();
  await cleaned.flush();
  return { cleaned, removed };
}

function batchInfoOf(b: Buffer): BatchInfo {
  const baseOffset = b.readInt32BE(0) * 2 ** 32 + b.readUInt32BE(4);
  const maxTimestamp = b.readInt32BE(35) * 2 ** 32 + b.readUInt32BE(39);
  return { pos: 0, sizeInBytes: b.length, baseOffset, lastOffset: baseOffset + b.readInt32BE(23), maxTimestamp };
}

/** Step 3: the atomic swap of one group (Kafka replaceSegments). */
async function swapIn(log: Log, access: LogInternals, group: readonly LogSegment[], cleaned: LogSegment): Promise<void> {
  await cleaned.changeSuffix(SWAP_SUFFIX);
  await access.io.syncDir(log.dir);
  const segments = access.segments();
  const at = segments.indexOf(group[0]!);
  const rest = [...segments.slice(0, at), cleaned, ...segments.slice(at + group.length)];
  access.replaceSegments(rest);
  await access.retire(group);
  await cleaned.changeSuffix("");
  await access.io.syncDir(log.dir);
}

/**
 * One cleaning pass over `log` if its policy says compact and its dirty ratio exceeds
 * min.cleanable.dirty.ratio (or `force`). Runs on the log's serial queue.
 */
export function cleanLog(log: Log, options: CleanOptions): Promise<CleanResult> {
  return log.withExclusiveAccess(async (access) => {
    const before = access.segments();
    const bytesBefore = before.reduce((n, s) => n + s.size, 0);
    const nothing = (dirtyRatio: number): CleanResult => ({
      cleaned: false, dirtyRatio, segmentsBefore: before.length, segmentsAfter: before.length, bytesBefore, bytesAfter: bytesBefore, recordsRemoved: 0,
    });
    if (!log.config.cleanupPolicy.includes("compact")) return nothing(0);
    const p = plan(log, access, options.highWatermark);
    if (!p) return nothing(0);
    if (!options.force && p.dirtyRatio <= log.config.minCleanableDirtyRatio) return nothing(p.dirtyRatio);
    const rules: Retention = { map: await buildOffsetMap(p), nowMs: access.clock.wallMs(), deleteRetentionMs: log.config.deleteRetentionMs };
    let recordsRemoved = 0;
    for (const group of groupBySize(p.cleanable, log.config.segmentBytes)) {
      const { cleaned, removed } = await cleanGroup(log, access, group, rules);
      recordsRemoved += removed;
      await swapIn(log, access, group, cleaned);
    }
    access.setFirstDirtyOffset(p.firstUncleanable);
    const after = access.segments();
    access.logger.info({ dirtyRatio: p.dirtyRatio, recordsRemoved, firstDirtyOffset: p.firstUncleanable }, "compacted log");
    return {
      cleaned: true, dirtyRatio: p.dirtyRatio, segmentsBefore: before.length, segmentsAfter: after.length,
      bytesBefore, bytesAfter: after.reduce((n, s) => n + s.size, 0), recordsRemoved,
    };
  });
}
