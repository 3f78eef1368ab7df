// Opening a partition directory after a clean or unclean shutdown (Kafka: LogLoader.scala).
// 1. Leftovers of interrupted operations go: `*.tmp` (atomic writes), `*.cleaned` (a compaction
//    that had not committed), `*.deleted` (segments already retired). A `*.swap` segment means a
//    compaction committed: it replaces every older segment its offsets cover.
// 2. Segments past the recovery point are recovered: every batch's CRC checked, indexes rebuilt,
//    the file cut at the first torn or corrupt batch, and every later segment dropped.
// 3. Segments before it keep their indexes if they pass a sanity check; otherwise they are rebuilt.
import { posix } from "node:path";
import type { Clock, Logger } from "@replog/common";
import type { BatchHeader } from "@replog/protocol";
import { readFully, type FileHandle, type FileIO } from "./file-io.js";
import { TEMP_SUFFIX } from "./atomic-file.js";
import { LOG_FILE_SUFFIX, LogSegment, type SegmentSizes } from "./log-segment.js";

export const DELETED_SUFFIX = ".deleted";
export const CLEANED_SUFFIX = ".cleaned";
export const SWAP_SUFFIX = ".swap";

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)(\.deleted|\.cleaned|\.swap)?$/;

export interface LoadedSegments {
  segments: LogSegment[];
  /** Bytes cut from torn or corrupt tails, for the log line. */
  truncatedBytes: number;
}

interface SegmentFiles {
  logs: number[];
  swaps: number[];
  indexOnly: string[];
}

async function classifyFiles(io: FileIO, dir: string): Promise<SegmentFiles> {
  const names = await io.readdir(dir);
  const logs: number[] = [];
  const swaps: number[] = [];
  const withLog = new Set<string>();
  const indexes: string[] = [];
  for (const name of names) {
    if (name.endsWith(TEMP_SUFFIX)) {
      await io.unlink(posix.join(dir, name));
      continue;
    }
    const m = SEGMENT_FILE.exec(name);
    if (!m) continue;
    const [, base, kind, suffix] = m;
    if (suffix === DELETED_SUFFIX || suffix === CLEANED_SUFFIX) await io.unlink(posix.join(dir, name));
    else if (suffix === SWAP_SUFFIX) {
      if (kind === "log") swaps.push(Number(base));
    } else if (kind === "log") {
      logs.push(Number(base));
      withLog.add(base!);
    } else indexes.push(name);
  }
  const indexOnly = indexes.filter((n) => !withLog.has(n.slice(0, 20)));
  return { logs: logs.sort((a, b) => a - b), swaps: swaps.sort((a, b) => a - b), indexOnly };
}

/**
 * Completes committed swaps: the `.swap` segment replaces the segments whose base offsets fall in
 * [its base, its last offset]. Its files are renamed to their final names last.
 */
async function completeSwaps(io: FileIO, dir: string, files: SegmentFiles): Promise<number[]> {
  let logs = files.logs;
  for (const base of files.swaps) {
    const swapped = LogSegment.paths(dir, base, SWAP_SUFFIX);
    const final = LogSegment.paths(dir, base);
    const size = (await io.stat(swapped.log))?.size ?? 0;
    // Find the swap segment's last offset by reading it as a plain segment under a temporary name.
    await io.rename(swapped.log, final.log + TEMP_SUFFIX);
    const probe = await io.open(final.log + TEMP_SUFFIX, "r");
    let lastOffset = base;
    try {
      lastOffset = await lastOffsetOf(probe, size, base);
    } finally {
      await probe.close();
    }
    for (const old of logs.filter((b) => b >= base && b <= lastOffset)) {
      const p = LogSegment.paths(dir, old);
      for (const path of [p.log, p.index, p.timeIndex]) await io.unlink(path);
    }
    logs = logs.filter((b) => b < base || b > lastOffset);
    await io.rename(final.log + TEMP_SUFFIX, final.log);
    for (const [from, to] of [[swapped.index, final.index], [swapped.timeIndex, final.timeIndex]] as const) {
      if (await io.stat(from)) await io.rename(from, to);
    }
    logs.push(base);
    await io.syncDir(dir);
  }
  return logs.sort((a, b) => a - b);
}

/** The last offset of the batches in a segment file (base offset if it has none). */
async function lastOffsetOf(file: FileHandle, size: number, base: number): Promise<number> {
  const buf = Buffer.allocUnsafe(size);
  const n = await readFully(file, buf, 0, size, 0);
  let at = 0;
  let last = base;
  while (at + 27 <= n) {
    const len = buf.readInt32BE(at + 8) + 12;
    if (len < 61 || at + len > n) break;
    last = buf.readInt32BE(at) * 2 ** 32 + buf.readUInt32BE(at + 4) + buf.readInt32BE(at + 23);
    at += len;
  }
  return last;
}

export async function loadSegments(args: {
  io: FileIO;
  dir: string;
  sizes: SegmentSizes;
  clock: Clock;
  logger: Logger;
  recoveryPoint: number;
  /** After a clean shutdown nothing needs recovery (Kafka's .kafka_cleanshutdown); indexes are still checked. */
  cleanShutdown: boolean;
  /** Called before a segment is recovered, then with each batch found valid in it. */
  beforeRecovery: (baseOffset: number) => void;
  onRecoveredBatch: (header: BatchHeader) => void;
}): Promise<LoadedSegments> {
  const { io, dir, sizes, clock, logger } = args;
  const files = await classifyFiles(io, dir);
  for (const orphan of files.indexOnly) await io.unlink(posix.join(dir, orphan));
  const bases = await completeSwaps(io, dir, files);
  const segments: LogSegment[] = [];
  let truncatedBytes = 0;
  for (let i = 0; i < bases.length; i++) {
    const { segment, indexesFound } = await LogSegment.open(io, dir, bases[i]!, sizes, clock);
    segments.push(segment);
    const nextBase = bases[i + 1];
    const pastRecoveryPoint = !args.cleanShutdown && (nextBase === undefined || nextBase > args.recoveryPoint);
    if (!pastRecoveryPoint && indexesFound && (await segment.indexesLookSane())) continue;
    if (!pastRecoveryPoint) logger.warn({ segment: segment.baseOffset }, "rebuilding missing or corrupt index");
    args.beforeRecovery(segment.baseOffset);
    const cut = await segment.recover(args.onRecoveredBatch);
    if (cut > 0) {
      truncatedBytes += cut;
      logger.warn({ segment: segment.baseOffset, bytes: cut }, "cut a torn or corrupt tail during recovery");
      // Everything after a corrupt batch is unreachable: Kafka drops the later segments too.
      for (const later of bases.slice(i + 1)) {
        const p = LogSegment.paths(dir, later);
        for (const path of [p.log, p.index, p.timeIndex]) await io.unlink(path);
      }
      if (i + 1 < bases.length) await io.syncDir(dir);
      break;
    }
  }
  return { segments, truncatedBytes };
}

export function isSegmentLogFile(name: string): boolean {
  return name.endsWith(LOG_FILE_SUFFIX) && SEGMENT_FILE.test(name);
}
