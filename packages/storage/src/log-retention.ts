// Retention (Kafka: UnifiedLog.deleteOldSegments; kafka-replication.md §1.7). Only whole segments
// go, as a prefix of the log, never the active segment, and never a segment whose end reaches the
// high watermark: a segment is deletable only if `highWatermark >= the next segment's base
// offset`, so the log start offset never passes the high watermark. Three reasons, in Kafka's
// order: the newest record is older than retention.ms; the log is larger than retention.bytes;
// the segment lies wholly below the log start offset (DeleteRecords, or a follower copying its
// leader's start). The first two apply only when cleanup.policy contains "delete".
import type { LogInternals } from "./log-internals.js";
import type { LogSegment } from "./log-segment.js";

/** Runs on the log's serial queue (through `Log.deleteOldSegments`). */
export async function deleteOldSegments(access: LogInternals, highWatermark: number): Promise<number> {
  const config = access.config();
  const deletePolicy = config.cleanupPolicy.includes("delete");
  let deleted = 0;
  if (deletePolicy && config.retentionMs >= 0) {
    const now = access.clock.wallMs();
    deleted += await deleteSegmentsWhile(access, highWatermark, async (s) => now - (await largestTimestamp(access, s)) > config.retentionMs);
  }
  if (deletePolicy && config.retentionBytes >= 0) {
    let excess = access.size() - config.retentionBytes;
    deleted += await deleteSegmentsWhile(access, highWatermark, async (s) => {
      if (excess - s.size < 0) return false;
      excess -= s.size;
      return true;
    });
  }
  deleted += await deleteSegmentsWhile(access, highWatermark, async (_s, next) => next.baseOffset <= access.logStartOffset());
  return deleted;
}

/** The segment's newest timestamp; Kafka falls back to the file's modification time. */
async function largestTimestamp(access: LogInternals, segment: LogSegment): Promise<number> {
  if (segment.maxTimestamp >= 0) return segment.maxTimestamp;
  return (await access.io.stat(segment.logPath))?.mtimeMs ?? 0;
}

/** Deletes segments from the start while `shouldDelete` agrees, stopping at the HW bound. */
async function deleteSegmentsWhile(
  access: LogInternals,
  highWatermark: number,
  shouldDelete: (s: LogSegment, next: LogSegment) => Promise<boolean>,
): Promise<number> {
  const segments = access.segments();
  const doomed: LogSegment[] = [];
  // `i + 1 < length`: the active (last) segment is never a candidate.
  for (let i = 0; i + 1 < segments.length; i++) {
    const next = segments[i + 1]!;
    if (highWatermark < next.baseOffset || !(await shouldDelete(segments[i]!, next))) break;
    doomed.push(segments[i]!);
  }
  if (doomed.length === 0) return 0;
  const rest = segments.slice(doomed.length);
  access.replaceSegments(rest);
  await access.retire(doomed);
  await access.raiseLogStartOffset(rest[0]!.baseOffset);
  access.logger.info({ segments: doomed.map((s) => s.baseOffset), firstSegment: rest[0]!.baseOffset }, "deleted segments by retention");
  return doomed.length;
}
